package io.qwen4j.sampling;

import java.util.Arrays;

/**
 * Nucleus sampling: keeps the smallest set of most likely tokens whose probabilities sum to at least
 * {@code p} (always at least the top token; ties broken by lower id). p = 1 is off.
 */
public record TopPFilter(double p) implements LogitsProcessor {

    public TopPFilter {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("top_p must be in [0, 1]: " + p);
    }

    @Override
    public void process(float[] logits, TokenHistory history) {
        if (p >= 1) return;
        double[] prob = Softmax.of(logits);
        // Only tokens with probability >= (1 - p) / V can be in the nucleus: the others together hold at most
        // 1 - p, so the rest already reaches p. This keeps the sort small for a 150k vocabulary.
        double floor = (1 - p) / prob.length;
        int n = 0;
        long[] keys = new long[64];
        for (int i = 0; i < prob.length; i++) {
            if (prob[i] > 0 && prob[i] >= floor) {
                if (n == keys.length) keys = Arrays.copyOf(keys, n * 2);
                // Sort key: probability descending (float bits are monotonic for non-negative floats), then id.
                keys[n++] = ((long) (Integer.MAX_VALUE - Float.floatToIntBits((float) prob[i])) << 32) | i;
            }
        }
        Arrays.sort(keys, 0, n);
        boolean[] keep = new boolean[prob.length];
        double sum = 0;
        for (int j = 0; j < n; j++) {
            int id = (int) keys[j];
            keep[id] = true;
            sum += prob[id];
            if (sum >= p) break;
        }
        for (int i = 0; i < logits.length; i++) if (!keep[i]) logits[i] = Float.NEGATIVE_INFINITY;
    }
}
