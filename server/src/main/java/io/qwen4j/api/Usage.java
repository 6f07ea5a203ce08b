package io.qwen4j.api;

/**
 * Tokens one request used, as OpenAI reports them: {@code promptTokens} includes {@code cachedTokens},
 * {@code completionTokens} includes {@code reasoningTokens}.
 */
public record Usage(int promptTokens, int cachedTokens, int completionTokens, int reasoningTokens) {

    public static final Usage NONE = new Usage(0, 0, 0, 0);

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
