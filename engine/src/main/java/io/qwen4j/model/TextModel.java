package io.qwen4j.model;

import io.qwen4j.kv.PagedKvCache;

/** A loaded text decoder: a {@link ModelStep} over its weights, with the shape the engine sizes its cache by. */
public interface TextModel extends ModelStep {

    /** Tokens per KV block. */
    int KV_BLOCK = 16;

    ModelShape shape();

    /** Weight bytes one decode step reads (what bounds decode speed by memory bandwidth). */
    long weightBytesPerStep();

    /** A KV cache for this model holding up to {@code maxTokens} tokens over all sequences. */
    default PagedKvCache newKvCache(int maxTokens, PagedKvCache.Storage storage) {
        ModelShape s = shape();
        return new PagedKvCache(s.layers(), s.kvHeads(), s.headDim(), KV_BLOCK, (maxTokens + KV_BLOCK - 1) / KV_BLOCK, storage);
    }
}
