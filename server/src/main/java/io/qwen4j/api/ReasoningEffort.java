package io.qwen4j.api;

/**
 * A request for a reasoning-effort level: OpenAI's {@code reasoning_effort} or OpenRouter's {@code reasoning.effort}
 * and {@code reasoning.max_tokens}. Only a model that declares {@link ModelCapabilities#reasoningEffort} takes it.
 *
 * @param param the parameter that asked for it
 * @param value its value as sent (text of the JSON)
 */
public record ReasoningEffort(String param, String value) {
}
