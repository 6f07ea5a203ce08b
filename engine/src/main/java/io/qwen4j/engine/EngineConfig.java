package io.qwen4j.engine;

import io.qwen4j.kv.PagedKvCache;

/**
 * How the scheduler runs.
 *
 * @param parallel        the most sequences running at once (llama.cpp's {@code --parallel}); others wait
 * @param contextSize     the most tokens (prompt + output) of one sequence; the KV cache holds
 *                        {@code parallel × contextSize} tokens
 * @param maxQueued       the most sequences waiting for a slot; beyond it, submissions are refused
 * @param stepTokenBudget tokens per model step: decode tokens first (one per running sequence), then prompt
 *                        chunks in arrival order with what is left, so a long prompt is prefilled in chunks
 *                        between other sequences' decode steps
 * @param kvStorage       the element type of the KV cache
 * @param prefixCaching   reuse the KV blocks of earlier prompts that start the same way (vLLM's automatic prefix
 *                        caching); on by default
 */
public record EngineConfig(int parallel, int contextSize, int maxQueued, int stepTokenBudget, PagedKvCache.Storage kvStorage,
                           boolean prefixCaching) {

    public EngineConfig {
        if (parallel < 1) throw new IllegalArgumentException("--parallel must be >= 1: " + parallel);
        if (contextSize < 2) throw new IllegalArgumentException("--ctx-size must be >= 2: " + contextSize);
        if (maxQueued < 0) throw new IllegalArgumentException("--max-queue must be >= 0: " + maxQueued);
        if (stepTokenBudget < 1) throw new IllegalArgumentException("--batch-tokens must be >= 1: " + stepTokenBudget);
    }

    /** With prefix caching on. */
    public EngineConfig(int parallel, int contextSize, int maxQueued, int stepTokenBudget, PagedKvCache.Storage kvStorage) {
        this(parallel, contextSize, maxQueued, stepTokenBudget, kvStorage, true);
    }

    public static EngineConfig defaults(int contextSize) {
        return new EngineConfig(4, contextSize, 64, 512, PagedKvCache.Storage.F16);
    }

    public EngineConfig withParallel(int n) {
        return new EngineConfig(n, contextSize, maxQueued, stepTokenBudget, kvStorage, prefixCaching);
    }

    public EngineConfig withMaxQueued(int n) {
        return new EngineConfig(parallel, contextSize, n, stepTokenBudget, kvStorage, prefixCaching);
    }

    public EngineConfig withStepTokenBudget(int n) {
        return new EngineConfig(parallel, contextSize, maxQueued, n, kvStorage, prefixCaching);
    }

    public EngineConfig withKvStorage(PagedKvCache.Storage storage) {
        return new EngineConfig(parallel, contextSize, maxQueued, stepTokenBudget, storage, prefixCaching);
    }

    public EngineConfig withPrefixCaching(boolean on) {
        return new EngineConfig(parallel, contextSize, maxQueued, stepTokenBudget, kvStorage, on);
    }
}
