package io.qwen4j.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Set;

/**
 * {@code POST /v1/chat/completions}, validated.
 *
 * @param messages            the chat, its messages and content parts checked
 * @param logprobs            -1: none; else the number of alternatives per token ({@code top_logprobs}, 0–20)
 * @param verbosity           {@code low}, {@code medium}, {@code high} or null
 * @param includeReasoning    whether {@code message.reasoning} is returned (OpenRouter's {@code include_reasoning},
 *                            {@code reasoning.exclude})
 * @param outputFormat        {@code response_format} / {@code structured_outputs}
 * @param tools               {@code tools}, {@code tool_choice}, {@code parallel_tool_calls}
 * @param reasoningEffort     a reasoning-effort level asked for, or null
 */
public record ChatCompletionRequest(String model, List<ChatMessage> messages, GenerationOptions options, int logprobs,
                                    JsonNode chatTemplateKwargs, boolean addGenerationPrompt, String verbosity,
                                    boolean includeReasoning, OutputFormat outputFormat, ToolUse tools,
                                    ReasoningEffort reasoningEffort) {

    private static final Set<String> VERBOSITY = Set.of("low", "medium", "high");

    public static ChatCompletionRequest parse(JsonNode body, boolean lenient) {
        RequestReader r = new RequestReader(body);
        String model = r.requiredString("model");
        List<ChatMessage> messages = ChatMessage.readAll(r.raw("messages"));
        GenerationOptions options = GenerationOptions.read(r, 1);

        Boolean logprobs = r.bool("logprobs");
        Integer top = r.integer("top_logprobs", 0, 20);
        if (top != null && !Boolean.TRUE.equals(logprobs)) {
            throw ApiException.invalid("top_logprobs", "'top_logprobs' requires 'logprobs': true");
        }

        ToolUse tools = ToolUse.read(r);
        refuseIfPresent(r, "functions", "the deprecated 'functions' are not supported; use 'tools'");
        refuseIfPresent(r, "function_call", "the deprecated 'function_call' is not supported; use 'tool_choice'");
        refuseIfPresent(r, "prediction", "predicted outputs are not supported");
        refuseIfPresent(r, "audio", "audio output is not supported");
        refuseIfPresent(r, "web_search_options", "web search is not supported");
        JsonNode effortNode = r.raw("reasoning_effort");
        ReasoningEffort effort = effortNode == null || effortNode.isNull() ? null : new ReasoningEffort("reasoning_effort", effortNode.asText());
        JsonNode modalities = r.raw("modalities");
        if (modalities != null && !(modalities.isArray() && modalities.size() == 1 && "text".equals(modalities.get(0).asText(null)))) {
            throw ApiException.invalid("modalities", "only [\"text\"] output is supported");
        }
        OutputFormat outputFormat = OutputFormat.read(r);

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
                    case "effort", "max_tokens" -> {
                        if (effort == null) effort = new ReasoningEffort("reasoning." + e.getKey(), e.getValue().asText());
                    }
                    default -> throw ApiException.invalid("reasoning." + e.getKey(), "'reasoning." + e.getKey() + "' is not a reasoning option");
                }
            }
        }
        JsonNode kwargs = r.raw("chat_template_kwargs");
        if (kwargs != null && !kwargs.isObject()) throw ApiException.invalid("chat_template_kwargs", "'chat_template_kwargs' must be an object");
        boolean addGenerationPrompt = r.bool("add_generation_prompt", true);
        GenerationOptions.readNoOps(r);
        if (!lenient) refuseUnknown(r);
        return new ChatCompletionRequest(model, messages, options, Boolean.TRUE.equals(logprobs) ? (top == null ? 0 : top) : -1,
                kwargs, addGenerationPrompt, verbosity, includeReasoning, outputFormat, tools, effort);
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
