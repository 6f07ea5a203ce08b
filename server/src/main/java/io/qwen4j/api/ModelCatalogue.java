package io.qwen4j.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models a server answers for, each with the backend that serves it: requests are routed by their
 * {@code model}, {@code /v1/models} lists the union, and a name no entry has is OpenAI's 404
 * {@code model_not_found}. The catalogue does not own its backends: whoever started them closes them.
 */
public final class ModelCatalogue {
    private final List<ChatBackend> backends;
    private final Map<String, ChatBackend> byModel = new LinkedHashMap<>();

    private ModelCatalogue(List<ChatBackend> backends) {
        if (backends.isEmpty()) throw new IllegalArgumentException("a catalogue needs at least one backend");
        this.backends = List.copyOf(backends);
        for (ChatBackend b : this.backends) {
            for (ModelCard m : b.models()) {
                if (byModel.putIfAbsent(m.id(), b) != null) throw new IllegalArgumentException("two backends serve the model '" + m.id() + "'");
            }
        }
    }

    public static ModelCatalogue of(ChatBackend... backends) {
        return new ModelCatalogue(List.of(backends));
    }

    public static ModelCatalogue of(List<ChatBackend> backends) {
        return new ModelCatalogue(backends);
    }

    /** The backend serving {@code model}; 404 model_not_found for a name nobody answers to. */
    public ChatBackend backend(String model) {
        ChatBackend b = model == null ? null : byModel.get(model);
        if (b == null) throw ApiException.modelNotFound(model);
        return b;
    }

    /** The backend of the first entry: for requests that may leave the model out ({@code /tokenize}). */
    public ChatBackend first() {
        return backends.getFirst();
    }

    /** The card of {@code model}; 404 model_not_found for a name nobody answers to. */
    public ModelCard card(String model) {
        return backend(model).model(model).orElseThrow(() -> ApiException.modelNotFound(model));
    }

    /** Every entry's card, in catalogue order. */
    public List<ModelCard> models() {
        List<ModelCard> out = new ArrayList<>();
        for (ChatBackend b : backends) out.addAll(b.models());
        return out;
    }
}
