package io.qwen4j.engine;

import java.util.List;

/**
 * Runs generation requests on a model, many at once. {@link #submit} returns at once; tokens arrive on the
 * listener. Implementations batch all live sequences into one model step per iteration.
 */
public interface Engine extends AutoCloseable {

    /** Queues one sequence; throws {@link EngineOverloadedException} when the wait queue is full. */
    default Handle submit(GenerationRequest request, TokenListener listener) {
        return submitAll(List.of(request), List.of(listener)).getFirst();
    }

    /** Queues several sequences (the n choices of one request) all or none. */
    List<Handle> submitAll(List<GenerationRequest> requests, List<TokenListener> listeners);

    /** The most tokens (prompt + generated) one sequence may hold. */
    int contextSize();

    @Override
    void close();
}
