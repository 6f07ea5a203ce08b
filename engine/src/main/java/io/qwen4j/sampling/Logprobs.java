package io.qwen4j.sampling;

/** Log-softmax over a row of logits, and its top-k. */
public final class Logprobs {
    private Logprobs() {
    }

    /** The k most likely ids of one row, most likely first, with their log-probabilities. */
    public record TopK(int[] ids, float[] logprobs) {
        public int size() {
            return ids.length;
        }
    }

    /** log Σ exp(logits[off .. off + n)), accumulated in double. */
    public static double logSumExp(float[] logits, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(logits[off + i] - max);
        return max + Math.log(sum);
    }

    /** The top-k of row {@code logits[off .. off + n)} as log-probabilities (ties: lower id first). */
    public static TopK topK(float[] logits, int off, int n, int k) {
        k = Math.min(k, n);
        int[] ids = new int[k];
        float[] vals = new float[k];
        int size = 0;
        for (int i = 0; i < n; i++) {
            float v = logits[off + i];
            if (size == k && v <= vals[k - 1]) continue;
            int j = size < k ? size++ : k - 1;
            while (j > 0 && vals[j - 1] < v) {
                vals[j] = vals[j - 1];
                ids[j] = ids[j - 1];
                j--;
            }
            vals[j] = v;
            ids[j] = i;
        }
        double lse = logSumExp(logits, off, n);
        float[] lp = new float[k];
        for (int i = 0; i < k; i++) lp[i] = (float) (vals[i] - lse);
        return new TopK(ids, lp);
    }

    /** Index of the largest logit (lowest id on ties). */
    public static int argmax(float[] logits, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (logits[off + i] > logits[off + best]) best = i;
        return best;
    }
}
