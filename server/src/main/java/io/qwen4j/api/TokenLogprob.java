package io.qwen4j.api;

import java.util.List;

/**
 * One generated token's log-probability with its most likely alternatives.
 *
 * @param token   the token's text (or {@code token_id:N} with {@code return_tokens_as_token_ids})
 * @param bytes   the token's UTF-8 bytes (may be part of a character)
 * @param top     alternatives, most likely first
 */
public record TokenLogprob(String token, int tokenId, double logprob, byte[] bytes, List<TokenLogprob> top) {
}
