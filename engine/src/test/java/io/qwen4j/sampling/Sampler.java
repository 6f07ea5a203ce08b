package io.qwen4j.sampling;

import java.util.SplittableRandom;

/** Picks the next token from a row of logits. */
public interface Sampler {

    int sample(float[] logits, int off, int vocab);

    /** The most likely token. */
    static Sampler greedy() {
        return Logprobs::argmax;
    }

    /** Samples from softmax(logits / temperature) with a seeded generator; temperature 0 is greedy. */
    static Sampler temperature(float temperature, long seed) {
        if (temperature <= 0) return greedy();
        SplittableRandom random = new SplittableRandom(seed);
        return (logits, off, vocab) -> {
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
            double sum = 0;
            double[] p = new double[vocab];
            for (int i = 0; i < vocab; i++) sum += p[i] = Math.exp((logits[off + i] - max) / temperature);
            double u = random.nextDouble() * sum;
            for (int i = 0; i < vocab; i++) {
                u -= p[i];
                if (u < 0) return i;
            }
            return vocab - 1;
        };
    }
}
