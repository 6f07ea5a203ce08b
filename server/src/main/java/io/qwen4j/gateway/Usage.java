package io.qwen4j.gateway;

/**
 * The tokens of one request, as the request path reports them (OpenAI's usage fields).
 *
 * @param promptTokens     all prompt tokens, cached ones included
 * @param cachedTokens     the prompt tokens served from the prefix cache (priced at the cached-input price)
 * @param completionTokens tokens generated (reasoning tokens are already in here: never add them twice)
 */
public record Usage(int promptTokens, int cachedTokens, int completionTokens) {
    public static final Usage NONE = new Usage(0, 0, 0);

    public Usage {
        if (promptTokens < 0 || cachedTokens < 0 || completionTokens < 0) {
            throw new IllegalArgumentException("negative token count in " + promptTokens + "/" + cachedTokens + "/" + completionTokens);
        }
        if (cachedTokens > promptTokens) {
            throw new IllegalArgumentException("cached tokens (" + cachedTokens + ") exceed prompt tokens (" + promptTokens + ")");
        }
    }

    public static Usage of(int promptTokens, int completionTokens) {
        return new Usage(promptTokens, 0, completionTokens);
    }

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
