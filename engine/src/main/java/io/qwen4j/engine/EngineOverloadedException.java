package io.qwen4j.engine;

/** The wait queue is full: the caller should come back after {@link #retryAfterSeconds()}. */
public final class EngineOverloadedException extends RuntimeException {
    private final int retryAfterSeconds;

    public EngineOverloadedException(String message, int retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
