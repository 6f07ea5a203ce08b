package io.qwen4j.api;

/**
 * How one choice ended.
 *
 * @param finishReason       OpenAI's: {@code stop}, {@code length} (tool_calls, content_filter later)
 * @param nativeFinishReason what the engine saw: {@code eos}, {@code stop_token}, {@code stop_sequence}, {@code max_tokens}
 * @param stopReason         vLLM's: the stop string or token id (Integer) that ended it, or null
 */
public record ChoiceEnd(String finishReason, String nativeFinishReason, Object stopReason) {
}
