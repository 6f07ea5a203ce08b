package io.qwen4j.engine;

/**
 * The end of one sequence.
 *
 * @param reason           why it ended, with the stop string or token that ended it
 * @param tail             text still held at the end (incomplete UTF-8 flushed, a partial stop-string match that
 *                         never completed), to append after the last token's text
 * @param promptTokens     tokens of the prompt
 * @param cachedTokens     prompt tokens whose KV came from a cache instead of being computed
 * @param completionTokens generated tokens, the ending token included
 */
public record Completion(FinishReason reason, String tail, int promptTokens, int cachedTokens, int completionTokens) {
}
