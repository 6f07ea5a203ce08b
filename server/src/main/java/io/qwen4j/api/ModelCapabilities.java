package io.qwen4j.api;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What a model, as its backend serves it, can do beyond plain text in and text out. The backend declares it per
 * model (on its {@link ModelCard}); the server checks every request against it in {@link #check} before the
 * backend is called, so a parameter a model cannot honour gets the same 400 whichever backend serves it.
 */
public record ModelCapabilities(Set<Feature> features) {

    public enum Feature {
        /** Reads image content parts. */
        IMAGES,
        /** Can call the request's {@code tools}. */
        TOOLS,
        /** Can constrain its output to {@code response_format} / {@code structured_outputs}. */
        STRUCTURED_OUTPUTS,
        /** Can answer with either a tool call or the output format in one request. */
        TOOLS_WITH_OUTPUT_FORMAT,
        /** Honours {@code verbosity}. */
        VERBOSITY,
        /** Reports token log-probabilities ({@code logprobs}). */
        LOGPROBS,
        /** Has a reasoning-effort control ({@code reasoning_effort}, {@code reasoning.effort}). */
        REASONING_EFFORT,
        /** Fills in between a prompt and a {@code suffix}. */
        INSERTION
    }

    /** Text in, text out, nothing else. */
    public static final ModelCapabilities TEXT = new ModelCapabilities(Set.of());

    public ModelCapabilities {
        features = Set.copyOf(features);
    }

    public static ModelCapabilities of(Feature... features) {
        return new ModelCapabilities(Set.of(features));
    }

    /** These capabilities, with {@code feature} if {@code present}. */
    public ModelCapabilities with(Feature feature, boolean present) {
        if (!present) return this;
        EnumSet<Feature> out = EnumSet.of(feature);
        out.addAll(features);
        return new ModelCapabilities(out);
    }

    public boolean has(Feature feature) {
        return features.contains(feature);
    }

    public List<String> inputModalities() {
        return has(Feature.IMAGES) ? List.of("text", "image") : List.of("text");
    }

    public List<String> outputModalities() {
        return List.of("text");
    }

    /** Refuses (400, naming the parameter) what {@code model} cannot do of this chat request. */
    public void check(String model, ChatCompletionRequest r) {
        checkInputs(model, r.messages());
        if (!has(Feature.TOOLS) && r.tools().tools() != null) throw unsupported("tools", model);
        boolean formatted = !(r.outputFormat() instanceof OutputFormat.Text);
        if (!has(Feature.STRUCTURED_OUTPUTS) && formatted) throw unsupported(r.outputFormat().param(), model);
        if (!has(Feature.TOOLS_WITH_OUTPUT_FORMAT) && formatted && r.tools().callsPossible()) {
            String p = r.outputFormat().param();
            throw ApiException.invalid(p, "'" + p + "' cannot be combined with tool calls by the model '" + model
                    + "'; set tool_choice to \"none\" or drop the output format");
        }
        if (!has(Feature.VERBOSITY) && r.verbosity() != null) throw unsupported("verbosity", model);
        if (!has(Feature.LOGPROBS) && r.logprobs() >= 0) throw unsupported("logprobs", model);
        if (!has(Feature.REASONING_EFFORT) && r.reasoningEffort() != null) throw unsupported(r.reasoningEffort().param(), model);
    }

    /** Refuses (400, naming the parameter) what {@code model} cannot do of this completion request. */
    public void check(String model, CompletionRequest r) {
        if (!has(Feature.LOGPROBS) && r.logprobs() >= 0) throw unsupported("logprobs", model);
        if (!has(Feature.INSERTION) && r.suffix() != null) throw unsupported("suffix", model);
    }

    /** Refuses content parts {@code model} cannot read (also for {@code /tokenize}). */
    public void checkInputs(String model, List<ChatMessage> messages) {
        if (has(Feature.IMAGES)) return;
        for (ChatMessage m : messages) {
            for (ContentPart.Image image : m.images()) {
                throw ApiException.invalid(image.param(), image.param() + " is an image, but the model '" + model + "' reads text only");
            }
        }
    }

    private static ApiException unsupported(String param, String model) {
        return ApiException.invalid(param, "'" + param + "' is not supported by the model '" + model + "'");
    }
}
