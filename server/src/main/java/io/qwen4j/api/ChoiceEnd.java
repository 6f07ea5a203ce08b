package io.qwen4j.api;

/**
 * How one choice ended.
 *
 * @param finishReason       OpenAI's
 * @param nativeFinishReason the backend's own word for it (the local engine's: {@code eos}, {@code stop_token},
 *                           {@code stop_sequence}, {@code constraint_complete}, {@code max_tokens}, {@code cancelled})
 * @param stopReason         vLLM's: the stop string or token id (Integer) that ended it, or null
 */
public record ChoiceEnd(FinishReason finishReason, String nativeFinishReason, Object stopReason) {
}
