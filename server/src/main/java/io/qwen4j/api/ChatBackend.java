package io.qwen4j.api;

import java.util.List;
import java.util.Optional;

/**
 * What the HTTP layer (and a gateway) sees of a model server: models, chat completions, completions.
 * Validation of the protocol is done before these are called; a backend throws {@link ApiException} for
 * what only it can judge (unknown model, context exceeded, unsupported content, overload).
 */
public interface ChatBackend extends AutoCloseable {

    List<ModelCard> models();

    default Optional<ModelCard> model(String id) {
        return models().stream().filter(m -> m.id().equals(id)).findFirst();
    }

    GenerationStream chat(ChatCompletionRequest request, GenerationListener listener);

    GenerationStream complete(CompletionRequest request, GenerationListener listener);

    /** Identifies the backend's build and weights, for {@code system_fingerprint}. */
    String systemFingerprint();

    @Override
    default void close() {
    }
}
