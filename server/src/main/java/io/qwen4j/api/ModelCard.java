package io.qwen4j.api;

import java.util.List;

/**
 * One entry of {@code GET /v1/models}: OpenAI's fields plus the capability data OpenRouter returns.
 *
 * @param contextLength       the most tokens (prompt + completion) of one request
 * @param maxCompletionTokens the most tokens one completion may have
 * @param pricing             null unless a pricing source gives one
 */
public record ModelCard(String id, long created, String ownedBy, int contextLength, int maxCompletionTokens,
                        List<String> inputModalities, List<String> outputModalities, List<String> supportedParameters,
                        ModelPricing pricing) {

    public ModelCard withPricing(ModelPricing p) {
        return new ModelCard(id, created, ownedBy, contextLength, maxCompletionTokens, inputModalities, outputModalities,
                supportedParameters, p);
    }
}
