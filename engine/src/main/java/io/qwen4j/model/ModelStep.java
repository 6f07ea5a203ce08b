package io.qwen4j.model;

import io.qwen4j.kv.PagedKvCache;

import java.util.List;

/**
 * A forward pass over a ragged batch: every chunk appends its tokens to its own sequence in the paged KV
 * cache (prefill chunks and single decode tokens mixed freely; each sequence at most once per batch) and
 * asks for logits of none, the last, or all of its rows.
 */
public interface ModelStep {

    StepOutput step(PagedKvCache cache, List<SequenceChunk> chunks);

    /** Logits per chunk, in batch order: {@code rows × vocab} floats, row-major; null for {@code NONE}. */
    record StepOutput(float[][] logits, int vocab) {

        public float[] logits(int chunk) {
            return logits[chunk];
        }
    }
}
