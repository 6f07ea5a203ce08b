package io.qwen4j.sampling;

import java.util.BitSet;

/**
 * A constraint on which token may come next (a grammar, a JSON schema, a tool-call format): the hook the
 * structured-output work plugs into. The scheduler asks for the allowed set before every sample and reports
 * every token chosen.
 */
public interface TokenMask {

    /** Sets, in {@code allowed} (cleared by the caller), the bit of every token allowed next. */
    void allowed(BitSet allowed);

    /** The token chosen at this step (always one that {@link #allowed} permitted). */
    void accept(int token);

    /** Whether the constrained text is complete, so that generation may (or must) end here. */
    boolean isComplete();
}
