package io.qwen4j.api;

import java.util.List;

/**
 * One entry of {@code GET /v1/models}: OpenAI's fields plus the capability data OpenRouter returns. Prices are
 * not a model's own: they come from the gateway's price table.
 *
 * @param contextLength       the most tokens (prompt + completion) of one request
 * @param maxCompletionTokens the most tokens one completion may have
 * @param capabilities        what the model can do beyond text in, text out (checked before the backend is called)
 * @param supportedParameters the request parameters that act on this model
 * @param tokenizer           the tokenizer family ({@code architecture.tokenizer}, e.g. {@code Qwen3})
 */
public record ModelCard(String id, long created, String ownedBy, int contextLength, int maxCompletionTokens,
                        ModelCapabilities capabilities, List<String> supportedParameters, String tokenizer) {
}
