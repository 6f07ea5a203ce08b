package io.qwen4j.engine;

/** A submitted sequence. */
public interface Handle {

    /**
     * Stops the sequence: it leaves the batch before the next step (so at most the step already running
     * completes), its KV blocks return to the pool, and its listener gets a {@link FinishReason.Cancelled}
     * completion. Idempotent; does nothing after the end.
     */
    void cancel();

    boolean isDone();
}
