package io.qwen4j.grammar;

/**
 * The per-sequence state of a structured-output constraint, advanced one token at a time. Not thread-safe:
 * one sequence, one thread at a time; use {@link #copy()} to fork (n &gt; 1, beam, speculation).
 *
 * <p>Each decoding step: {@code allowedTokens(mask)}, set the logits of tokens whose bit is 0 to -inf,
 * sample, then {@code accept(token)}. Stop when the sampled token is end-of-generation (accepted only when
 * {@link #canEnd()}) or when {@link #isComplete()}.
 */
public interface TokenConstraint {

    /**
     * Writes the allowed next tokens into {@code bitmask}: bit {@code id & 63} of word {@code id >>> 6}.
     * Every word is overwritten; ids at or beyond the vocabulary size (logit padding) are left 0. The
     * array needs at least {@link #maskWords()} words.
     */
    void allowedTokens(long[] bitmask);

    /** Advances by one token; returns false (and leaves the state unchanged) if the token is not allowed. */
    boolean accept(int tokenId);

    /** True when the output so far is a complete valid document (end-of-generation is allowed now). */
    boolean canEnd();

    /** True when nothing but end-of-generation can follow (or end-of-generation was accepted). */
    boolean isComplete();

    /** Number of 64-bit words of a mask over the vocabulary. */
    int maskWords();

    /** An independent copy of this state. */
    TokenConstraint copy();
}
