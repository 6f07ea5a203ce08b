package io.qwen4j.engine;

/**
 * Receives one sequence's tokens. Called on the scheduler thread, in order: {@link #onToken} per generated
 * token, then exactly one of {@link #onFinish} or {@link #onError}. Implementations must be quick (hand the
 * event to another thread): every sequence in the batch waits for them.
 */
public interface TokenListener {

    void onToken(GeneratedToken token);

    void onFinish(Completion completion);

    void onError(RuntimeException error);
}
