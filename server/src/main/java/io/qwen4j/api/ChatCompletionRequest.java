package io.qwen4j.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Set;

/**
 * {@code POST /v1/chat/completions}, validated.
 *
 * @param messages            the chat, OpenAI message shapes (checked in depth when the backend renders it)
 * @param logprobs            -1: none; else the number of alternatives per token ({@code top_logprobs}, 0–20)
 * @param verbosity           {@code low}, {@code medium}, {@code high} or null; see {@link #VERBOSITY_INSTRUCTIONS}
 * @param includeReasoning    whether {@code message.reasoning} is returned (OpenRouter's {@code include_reasoning},
 *                            {@code reasoning.exclude})
 */
public record ChatCompletionRequest(String model, JsonNode messages, GenerationOptions options, int logprobs,
                                    JsonNode chatTemplateKwargs, boolean addGenerationPrompt, String verbosity,
                                    boolean includeReasoning) {

    /**
     * What {@code verbosity} does for a model with no native control: an instruction added to the system
     * message (a system message is created when the chat has none). {@code medium} is the model's own default
     * and adds nothing.
     */
    public static final java.util.Map<String, String> VERBOSITY_INSTRUCTIONS = java.util.Map.of(
            "low", "Be concise: answer in as few words as the question allows.",
            "high", "Be thorough: answer in full detail, with explanations and examples.");

    private static final Set<String> VERBOSITY = Set.of("low", "medium", "high");

    public static ChatCompletionRequest parse(JsonNode body, boolean lenient) {
        RequestReader r = new RequestReader(body);
        String model = r.requiredString("model");
        JsonNode messages = r.raw("messages");
        if (messages == null) throw ApiException.invalid("messages", "'messages' is required");
        if (!messages.isArray()) throw ApiException.invalid("messages", "'messages' must be an array of message objects");
        if (messages.isEmpty()) throw ApiException.invalid("messages", "'messages' must contain at least one message");
        GenerationOptions options = GenerationOptions.read(r, 1);

        Boolean logprobs = r.bool("logprobs");
        Integer top = r.integer("top_logprobs", 0, 20);
        if (top != null && !Boolean.TRUE.equals(logprobs)) {
            throw ApiException.invalid("top_logprobs", "'top_logprobs' requires 'logprobs': true");
        }

        readTools(r);
        refuseIfPresent(r, "functions", "function calling is not supported yet");
        refuseIfPresent(r, "function_call", "function calling is not supported yet");
        refuseIfPresent(r, "prediction", "predicted outputs are not supported");
        refuseIfPresent(r, "audio", "audio output is not supported");
        refuseIfPresent(r, "web_search_options", "web search is not supported");
        refuseIfPresent(r, "reasoning_effort", "this model has no reasoning-effort control");
        JsonNode modalities = r.raw("modalities");
        if (modalities != null && !(modalities.isArray() && modalities.size() == 1 && "text".equals(modalities.get(0).asText(null)))) {
            throw ApiException.invalid("modalities", "only [\"text\"] output is supported");
        }
        JsonNode format = r.raw("response_format");
        if (format != null) {
            if (!format.isObject() || !format.path("type").isTextual()) {
                throw ApiException.invalid("response_format", "'response_format' must be an object with a 'type'");
            }
            if (!format.get("type").textValue().equals("text")) {
                throw ApiException.invalid("response_format", "response_format type '" + format.get("type").textValue()
                        + "' is not supported yet (structured outputs are coming); only {\"type\": \"text\"} is accepted");
            }
        }
        JsonNode structured = r.raw("structured_outputs");
        if (structured != null && !(structured.isBoolean() && !structured.booleanValue())) {
            throw ApiException.invalid("structured_outputs", "structured outputs are not supported yet");
        }

        String verbosity = r.string("verbosity");
        if (verbosity != null && !VERBOSITY.contains(verbosity)) {
            throw ApiException.invalid("verbosity", "'verbosity' must be one of low, medium, high; got \"" + verbosity + "\"");
        }
        boolean includeReasoning = r.bool("include_reasoning", true);
        JsonNode reasoning = r.raw("reasoning");
        if (reasoning != null) {
            if (!reasoning.isObject()) throw ApiException.invalid("reasoning", "'reasoning' must be an object");
            for (var it = reasoning.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                switch (e.getKey()) {
                    case "exclude" -> {
                        if (!e.getValue().isBoolean()) throw ApiException.invalid("reasoning.exclude", "'reasoning.exclude' must be a boolean");
                        if (e.getValue().booleanValue()) includeReasoning = false;
                    }
                    case "enabled" -> {
                        if (!e.getValue().isBoolean()) throw ApiException.invalid("reasoning.enabled", "'reasoning.enabled' must be a boolean");
                    }
                    default -> throw ApiException.invalid("reasoning." + e.getKey(), "'reasoning." + e.getKey() + "' is not supported by this model");
                }
            }
        }
        JsonNode kwargs = r.raw("chat_template_kwargs");
        if (kwargs != null && !kwargs.isObject()) throw ApiException.invalid("chat_template_kwargs", "'chat_template_kwargs' must be an object");
        boolean addGenerationPrompt = r.bool("add_generation_prompt", true);
        GenerationOptions.readNoOps(r);
        if (!lenient) refuseUnknown(r);
        return new ChatCompletionRequest(model, messages, options, Boolean.TRUE.equals(logprobs) ? (top == null ? 0 : top) : -1,
                kwargs, addGenerationPrompt, verbosity, includeReasoning);
    }

    /**
     * Tool calling comes with structured outputs. Until then: {@code tools} are accepted only with
     * {@code tool_choice: "none"}, where they are not rendered into the prompt (the model cannot call what it
     * does not see, which is what "none" promises); anything that would need a tool call is a 400.
     */
    private static void readTools(RequestReader r) {
        JsonNode tools = r.raw("tools");
        JsonNode choice = r.raw("tool_choice");
        JsonNode parallel = r.raw("parallel_tool_calls");
        if (parallel != null && !parallel.isBoolean()) throw ApiException.invalid("parallel_tool_calls", "'parallel_tool_calls' must be a boolean");
        if (choice != null && !choice.isTextual() && !choice.isObject()) {
            throw ApiException.invalid("tool_choice", "'tool_choice' must be \"none\", \"auto\", \"required\" or an object");
        }
        boolean none = choice != null && choice.isTextual() && choice.textValue().equals("none");
        boolean auto = choice != null && choice.isTextual() && choice.textValue().equals("auto");
        if (choice != null && choice.isTextual() && !none && !auto && !choice.textValue().equals("required")) {
            throw ApiException.invalid("tool_choice", "'tool_choice' must be \"none\", \"auto\", \"required\" or an object");
        }
        if (tools != null) {
            if (!tools.isArray()) throw ApiException.invalid("tools", "'tools' must be an array");
            if (tools.isEmpty()) throw ApiException.invalid("tools", "'tools' must not be empty");
            if (!none) {
                throw ApiException.invalid("tools", "tool calling is not supported yet; tools are accepted only with tool_choice \"none\"");
            }
        } else if (choice != null && !none && !auto) {
            throw ApiException.invalid("tool_choice", "'tool_choice' requires 'tools'");
        }
    }

    static void refuseIfPresent(RequestReader r, String name, String why) {
        if (r.has(name)) throw ApiException.invalid(name, "'" + name + "' is not supported: " + why);
    }

    static void refuseUnknown(RequestReader r) {
        String unknown = r.firstUnread();
        if (unknown != null) {
            throw ApiException.invalid(unknown, "Unrecognized request argument supplied: " + unknown
                    + " (start the server with --lenient to ignore unknown arguments)");
        }
    }
}
