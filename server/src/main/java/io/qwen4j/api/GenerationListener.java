package io.qwen4j.api;

/**
 * Receives a generation's output from a {@link ChatBackend}: deltas and ends per choice, then exactly one
 * {@link #onComplete} or {@link #onError}. May be called from a backend thread; implementations hand events over.
 */
public interface GenerationListener {

    void onDelta(int choice, ChoiceDelta delta);

    void onChoiceEnd(int choice, ChoiceEnd end);

    void onComplete(Usage usage);

    void onError(ApiException error, Usage partial);
}
