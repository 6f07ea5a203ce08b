package io.qwen4j.api;

/**
 * Tokens one request used, as OpenAI reports them, and what billing, rate limits and the ledger count:
 * {@code promptTokens} includes {@code cachedTokens} (the prompt tokens served from the prefix cache),
 * {@code completionTokens} includes {@code reasoningTokens} (never add them twice).
 */
public record Usage(int promptTokens, int cachedTokens, int completionTokens, int reasoningTokens) {

    public static final Usage NONE = new Usage(0, 0, 0, 0);

    public Usage {
        if (promptTokens < 0 || cachedTokens < 0 || completionTokens < 0 || reasoningTokens < 0) {
            throw new IllegalArgumentException("negative token count in " + promptTokens + "/" + cachedTokens + "/" + completionTokens
                    + "/" + reasoningTokens);
        }
        if (cachedTokens > promptTokens) {
            throw new IllegalArgumentException("cached tokens (" + cachedTokens + ") exceed prompt tokens (" + promptTokens + ")");
        }
    }

    /** Without a reasoning count (billing does not need one). */
    public Usage(int promptTokens, int cachedTokens, int completionTokens) {
        this(promptTokens, cachedTokens, completionTokens, 0);
    }

    public static Usage of(int promptTokens, int completionTokens) {
        return new Usage(promptTokens, 0, completionTokens, 0);
    }

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
