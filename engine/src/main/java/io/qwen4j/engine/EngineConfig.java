package io.qwen4j.engine;

import io.qwen4j.kv.PagedKvCache;

/**
 * How the scheduler runs. Built with {@link #builder}; what is not set keeps its default.
 */
public final class EngineConfig {
    private final int parallel;
    private final int contextSize;
    private final int maxQueued;
    private final int stepTokenBudget;
    private final PagedKvCache.Storage kvStorage;
    private final boolean prefixCaching;

    private EngineConfig(Builder b) {
        if (b.parallel < 1) throw new IllegalArgumentException("parallel must be >= 1: " + b.parallel);
        if (b.contextSize < 2) throw new IllegalArgumentException("contextSize must be >= 2: " + b.contextSize);
        if (b.maxQueued < 0) throw new IllegalArgumentException("maxQueued must be >= 0: " + b.maxQueued);
        if (b.stepTokenBudget < 1) throw new IllegalArgumentException("stepTokenBudget must be >= 1: " + b.stepTokenBudget);
        if (b.kvStorage == null) throw new IllegalArgumentException("kvStorage must be set");
        this.parallel = b.parallel;
        this.contextSize = b.contextSize;
        this.maxQueued = b.maxQueued;
        this.stepTokenBudget = b.stepTokenBudget;
        this.kvStorage = b.kvStorage;
        this.prefixCaching = b.prefixCaching;
    }

    /** Sequences of at most {@code contextSize} tokens; 4 at once, 64 waiting, 512 tokens a step, F16 KV, prefix caching on. */
    public static Builder builder(int contextSize) {
        return new Builder(contextSize);
    }

    /** A builder holding this configuration. */
    public Builder toBuilder() {
        return new Builder(contextSize).parallel(parallel).maxQueued(maxQueued).stepTokenBudget(stepTokenBudget)
                .kvStorage(kvStorage).prefixCaching(prefixCaching);
    }

    /** The most sequences running at once (llama.cpp's {@code --parallel}); others wait. */
    public int parallel() {
        return parallel;
    }

    /** The most tokens (prompt + output) of one sequence; the KV cache holds {@code parallel × contextSize} tokens. */
    public int contextSize() {
        return contextSize;
    }

    /** The most sequences waiting for a slot; beyond it, submissions are refused. */
    public int maxQueued() {
        return maxQueued;
    }

    /**
     * Tokens per model step: decode tokens first (one per running sequence), then prompt chunks in arrival order
     * with what is left, so a long prompt is prefilled in chunks between other sequences' decode steps.
     */
    public int stepTokenBudget() {
        return stepTokenBudget;
    }

    /** The element type of the KV cache. */
    public PagedKvCache.Storage kvStorage() {
        return kvStorage;
    }

    /** Reuse the KV blocks of earlier prompts that start the same way (vLLM's automatic prefix caching). */
    public boolean prefixCaching() {
        return prefixCaching;
    }

    @Override
    public String toString() {
        return "EngineConfig[parallel=" + parallel + ", contextSize=" + contextSize + ", maxQueued=" + maxQueued + ", stepTokenBudget="
                + stepTokenBudget + ", kvStorage=" + kvStorage + ", prefixCaching=" + prefixCaching + "]";
    }

    /** Settings of an {@link EngineConfig}; checked by {@link #build()}. */
    public static final class Builder {
        private final int contextSize;
        private int parallel = 4;
        private int maxQueued = 64;
        private int stepTokenBudget = 512;
        private PagedKvCache.Storage kvStorage = PagedKvCache.Storage.F16;
        private boolean prefixCaching = true;

        private Builder(int contextSize) {
            this.contextSize = contextSize;
        }

        public Builder parallel(int n) {
            this.parallel = n;
            return this;
        }

        public Builder maxQueued(int n) {
            this.maxQueued = n;
            return this;
        }

        public Builder stepTokenBudget(int tokens) {
            this.stepTokenBudget = tokens;
            return this;
        }

        public Builder kvStorage(PagedKvCache.Storage storage) {
            this.kvStorage = storage;
            return this;
        }

        public Builder prefixCaching(boolean on) {
            this.prefixCaching = on;
            return this;
        }

        /** Throws IllegalArgumentException naming the field that is out of range. */
        public EngineConfig build() {
            return new EngineConfig(this);
        }
    }
}
