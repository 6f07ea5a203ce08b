package io.qwen4j.api;

/**
 * Receives a generation's output from a {@link ChatBackend}: deltas and ends per choice, then exactly one
 * {@link #onComplete} or {@link #onError}. May be called from a backend thread; implementations hand events over.
 */
public interface GenerationListener {

    /**
     * Called once on the caller's thread after the prompt is tokenized and before any generation work, with
     * the prompt's token count and the most completion tokens all choices together may produce. May throw an
     * {@link ApiException} to refuse the request (no credit, rate limit): nothing is then generated.
     */
    default void onAdmit(int promptTokens, int maxCompletionTokens) {
    }

    void onDelta(int choice, ChoiceDelta delta);

    void onChoiceEnd(int choice, ChoiceEnd end);

    void onComplete(Usage usage);

    void onError(ApiException error, Usage partial);
}
