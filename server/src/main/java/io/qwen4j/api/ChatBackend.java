package io.qwen4j.api;

import java.util.List;
import java.util.Optional;

/**
 * What the HTTP layer (and a gateway) sees of a model server: models, chat completions, completions.
 * The protocol is validated, and each request checked against its model's {@link ModelCapabilities}, before these
 * are called; a backend throws {@link ApiException} for what only it can judge (context exceeded, an unreadable
 * image, overload).
 */
public interface ChatBackend extends AutoCloseable {

    List<ModelCard> models();

    default Optional<ModelCard> model(String id) {
        return models().stream().filter(m -> m.id().equals(id)).findFirst();
    }

    GenerationStream chat(ChatCompletionRequest request, GenerationListener listener);

    GenerationStream complete(CompletionRequest request, GenerationListener listener);

    /** The tokenizer of this backend's models ({@code /tokenize}, {@code /detokenize}), if it shows one. */
    default Optional<TokenizingBackend> tokenizer() {
        return Optional.empty();
    }

    /** Identifies the backend's build and weights, for {@code system_fingerprint}. */
    String systemFingerprint();

    @Override
    default void close() {
    }
}
