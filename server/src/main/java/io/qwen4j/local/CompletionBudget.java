package io.qwen4j.local;

import io.qwen4j.api.ApiException;
import io.qwen4j.api.GenerationOptions;

/**
 * The completion budget of one prompt: what was asked, else all the context left (chat) or the endpoint's
 * default; asking for more than the context holds is a 400 with the numbers, as OpenAI words it.
 */
record CompletionBudget(int contextSize) {

    /**
     * @param endpointDefault the budget when none is asked (capped by the room left), or null: all the room left
     * @param promptParam     {@code messages} or {@code prompt}, named in the 400
     */
    int maxTokens(GenerationOptions o, int promptTokens, Integer endpointDefault, String promptParam) {
        if (o.maxTokens() == null) {
            int room = contextSize - promptTokens;
            if (room < 1) throw contextExceeded(promptTokens, 1, promptParam);
            return endpointDefault == null ? room : Math.min(endpointDefault, room);
        }
        if ((long) promptTokens + o.maxTokens() > contextSize) throw contextExceeded(promptTokens, o.maxTokens(), promptParam);
        return o.maxTokens();
    }

    private ApiException contextExceeded(int promptTokens, int maxTokens, String param) {
        String what = param.equals("messages") ? "messages" : "prompt";
        return new ApiException(400, "invalid_request_error", param, "context_length_exceeded", String.format(
                "This model's maximum context length is %d tokens. However, you requested %d tokens (%d in the %s, %d in the completion). "
                        + "Please reduce the length of the %s or completion.",
                contextSize, (long) promptTokens + maxTokens, promptTokens, what, maxTokens, what));
    }
}
