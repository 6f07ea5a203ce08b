package io.qwen4j.engine;

/**
 * The end of one sequence.
 *
 * @param reason           stop, length or cancelled
 * @param nativeReason     what the engine saw: {@code eos} (an end-of-generation token), {@code stop_token}
 *                         (a requested stop token id), {@code stop_sequence}, {@code max_tokens}, {@code cancelled}
 * @param stopReason       vLLM's {@code stop_reason}: the matched stop string, or the token id (Integer) that ended
 *                         it, or null
 * @param tail             text still held at the end (incomplete UTF-8 flushed, a partial stop-string match that
 *                         never completed), to append after the last token's text
 * @param promptTokens     tokens of the prompt
 * @param cachedTokens     prompt tokens whose KV came from a cache instead of being computed
 * @param completionTokens generated tokens, the ending token included
 */
public record Completion(FinishReason reason, String nativeReason, Object stopReason, String tail, int promptTokens,
                         int cachedTokens, int completionTokens) {
}
