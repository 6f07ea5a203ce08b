package io.qwen4j.api;

import java.util.List;

/**
 * What a model, as its backend serves it, can do beyond plain text in and text out. The backend declares it per
 * model (on its {@link ModelCard}); the server checks every request against it in {@link #check} before the
 * backend is called, so a parameter a model cannot honour gets the same 400 whichever backend serves it.
 *
 * @param images            reads image content parts
 * @param tools             can call the request's {@code tools}
 * @param structuredOutputs can constrain its output to {@code response_format} / {@code structured_outputs}
 * @param toolsWithOutputFormat can answer with either a tool call or the output format in one request
 * @param verbosity         honours {@code verbosity}
 * @param logprobs          reports token log-probabilities
 * @param reasoningEffort   has a reasoning-effort control ({@code reasoning_effort}, {@code reasoning.effort})
 * @param insertion         fills in between a prompt and a {@code suffix}
 */
public record ModelCapabilities(boolean images, boolean tools, boolean structuredOutputs, boolean toolsWithOutputFormat,
                                boolean verbosity, boolean logprobs, boolean reasoningEffort, boolean insertion) {

    /** Text in, text out, nothing else. */
    public static final ModelCapabilities TEXT = new ModelCapabilities(false, false, false, false, false, false, false, false);

    public ModelCapabilities withImages(boolean b) {
        return new ModelCapabilities(b, tools, structuredOutputs, toolsWithOutputFormat, verbosity, logprobs, reasoningEffort, insertion);
    }

    public List<String> inputModalities() {
        return images ? List.of("text", "image") : List.of("text");
    }

    public List<String> outputModalities() {
        return List.of("text");
    }

    /** Refuses (400, naming the parameter) what {@code model} cannot do of this chat request. */
    public void check(String model, ChatCompletionRequest r) {
        checkInputs(model, r.messages());
        if (!tools && r.tools().tools() != null) throw unsupported("tools", model);
        boolean formatted = !(r.outputFormat() instanceof OutputFormat.Text);
        if (!structuredOutputs && formatted) throw unsupported(r.outputFormat().param(), model);
        if (!toolsWithOutputFormat && formatted && r.tools().callsPossible()) {
            String p = r.outputFormat().param();
            throw ApiException.invalid(p, "'" + p + "' cannot be combined with tool calls by the model '" + model
                    + "'; set tool_choice to \"none\" or drop the output format");
        }
        if (!verbosity && r.verbosity() != null) throw unsupported("verbosity", model);
        if (!logprobs && r.logprobs() >= 0) throw unsupported("logprobs", model);
        if (!reasoningEffort && r.reasoningEffort() != null) throw unsupported(r.reasoningEffort().param(), model);
    }

    /** Refuses (400, naming the parameter) what {@code model} cannot do of this completion request. */
    public void check(String model, CompletionRequest r) {
        if (!logprobs && r.logprobs() >= 0) throw unsupported("logprobs", model);
        if (!insertion && r.suffix() != null) throw unsupported("suffix", model);
    }

    /** Refuses content parts {@code model} cannot read (also for {@code /tokenize}). */
    public void checkInputs(String model, List<ChatMessage> messages) {
        if (images) return;
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
