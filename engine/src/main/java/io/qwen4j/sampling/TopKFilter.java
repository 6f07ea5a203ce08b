package io.qwen4j.sampling;

import java.util.Arrays;

/**
 * Keeps the {@code k} most likely tokens (ties at the boundary: lower ids first, so exactly k remain).
 * k = 1 is greedy.
 */
public record TopKFilter(int k) implements LogitsProcessor {

    public TopKFilter {
        if (k < 1) throw new IllegalArgumentException("top_k must be >= 1: " + k);
    }

    @Override
    public void process(float[] logits, TokenHistory history) {
        if (k >= logits.length) return;
        float kth = kthLargest(logits, k);
        int above = 0;
        for (float l : logits) if (l > kth) above++;
        int tiesKept = k - above;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] > kth) continue;
            if (logits[i] == kth && tiesKept > 0) {
                tiesKept--;
                continue;
            }
            logits[i] = Float.NEGATIVE_INFINITY;
        }
    }

    /** The k-th largest value (1-based): a bounded insertion for small k, a sorted copy otherwise. */
    static float kthLargest(float[] values, int k) {
        if (k > 128) {
            float[] copy = values.clone();
            Arrays.sort(copy);
            return copy[copy.length - k];
        }
        float[] top = new float[k]; // descending
        Arrays.fill(top, Float.NEGATIVE_INFINITY);
        for (float v : values) {
            if (v <= top[k - 1]) continue;
            int j = k - 1;
            while (j > 0 && top[j - 1] < v) {
                top[j] = top[j - 1];
                j--;
            }
            top[j] = v;
        }
        return top[k - 1];
    }
}
