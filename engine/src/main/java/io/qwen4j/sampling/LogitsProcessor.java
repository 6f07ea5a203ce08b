package io.qwen4j.sampling;

/**
 * One step of the sampling chain: rewrites a row of logits in place. Removing a token means setting its
 * logit to {@code -∞}. Implementations are small, pure functions of (logits, history) and hold no
 * per-call state, so one instance serves one sequence for its whole life.
 */
@FunctionalInterface
public interface LogitsProcessor {

    void process(float[] logits, TokenHistory history);
}
