package io.qwen4j.grammar;

/**
 * A lexeme (terminal) as a deterministic automaton over bytes. States are longs chosen by the
 * implementation; {@link #DEAD} means no continuation. Every non-dead state can still reach acceptance,
 * so "the bytes so far are alive" means "they can be completed to this lexeme".
 */
interface ByteLexeme {
    long DEAD = -1L;

    long start();

    long step(long state, int b);

    boolean accepting(long state);

    /** True when no byte string is accepted (the terminal is unproductive). */
    boolean isEmpty();

    /** A stable description used to share identical lexemes. */
    String key();
}
