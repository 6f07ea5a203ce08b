package io.qwen4j.sampling;

import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Each processor on explicit distributions: what survives, and how the logits move. */
class LogitsProcessorTest {
    static final float NEG = Float.NEGATIVE_INFINITY;

    /** Logits whose softmax is exactly {@code probs}. */
    static float[] fromProbs(double... probs) {
        float[] l = new float[probs.length];
        for (int i = 0; i < l.length; i++) l[i] = probs[i] == 0 ? NEG : (float) Math.log(probs[i]);
        return l;
    }

    static boolean[] kept(float[] logits) {
        boolean[] k = new boolean[logits.length];
        for (int i = 0; i < k.length; i++) k[i] = logits[i] != NEG;
        return k;
    }

    static final TokenHistory NONE = new TokenHistory(new int[0]);

    @Test
    void topKKeepsExactlyKAndOneIsGreedy() {
        float[] l = {1f, 5f, 3f, 5f, 2f};
        new TopKFilter(2).process(l, NONE);
        assertThat(kept(l)).containsExactly(false, true, false, true, false);

        float[] ties = {1f, 1f, 1f, 1f};
        new TopKFilter(2).process(ties, NONE);
        assertThat(kept(ties)).containsExactly(true, true, false, false);

        SplittableRandom r = new SplittableRandom(3);
        for (int trial = 0; trial < 200; trial++) {
            float[] x = new float[50];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian() * 3;
            int argmax = Logprobs.argmax(x, 0, x.length);
            SamplingChain chain = new SamplingChain(new SamplingParams(1.3f, 1, 1, 0, 0, 1f, 0f, 0f, Map.of(), trial), null);
            assertThat(chain.next(x.clone(), NONE)).isEqualTo(argmax);
        }
        // Large k goes through the sorting path and keeps exactly k.
        float[] big = new float[1000];
        for (int i = 0; i < big.length; i++) big[i] = (float) r.nextGaussian();
        new TopKFilter(300).process(big, NONE);
        int count = 0;
        for (boolean b : kept(big)) if (b) count++;
        assertThat(count).isEqualTo(300);
    }

    @Test
    void topPKeepsExactlyTheSmallestNucleus() {
        // Sorted: 0.4 (id 2), 0.3 (id 0), 0.2 (id 3), 0.1 (id 1).
        double[] p = {0.3, 0.1, 0.4, 0.2};
        float[] a = fromProbs(p);
        new TopPFilter(0.7).process(a, NONE); // 0.4 + 0.3 = 0.7 reaches p exactly: two tokens
        assertThat(kept(a)).containsExactly(true, false, true, false);
        float[] b = fromProbs(p);
        new TopPFilter(0.71).process(b, NONE);
        assertThat(kept(b)).containsExactly(true, false, true, true);
        float[] c = fromProbs(p);
        new TopPFilter(0.0).process(c, NONE); // always at least the top token
        assertThat(kept(c)).containsExactly(false, false, true, false);
        float[] d = fromProbs(p);
        new TopPFilter(1.0).process(d, NONE);
        assertThat(kept(d)).containsExactly(true, true, true, true);

        // Against a brute force on random distributions over a larger vocabulary.
        SplittableRandom r = new SplittableRandom(11);
        for (int trial = 0; trial < 100; trial++) {
            float[] x = new float[300];
            for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 2);
            double top = r.nextDouble();
            float[] y = x.clone();
            new TopPFilter(top).process(y, NONE);
            double[] prob = Softmax.of(x);
            Integer[] order = new Integer[x.length];
            for (int i = 0; i < order.length; i++) order[i] = i;
            java.util.Arrays.sort(order, (i, j) -> prob[i] != prob[j] ? Double.compare(prob[j], prob[i]) : Integer.compare(i, j));
            double sum = 0;
            int needed = 0;
            while (sum < top || needed == 0) sum += prob[order[needed++]];
            boolean[] expected = new boolean[x.length];
            for (int i = 0; i < needed; i++) expected[order[i]] = true;
            assertThat(kept(y)).as("trial %d p=%f", trial, top).containsExactly(expected);
        }
    }

    @Test
    void minPIsRelativeToTheTopToken() {
        float[] l = fromProbs(0.5, 0.3, 0.1, 0.09, 0.01);
        new MinPFilter(0.19).process(l, NONE); // threshold 0.095: keeps 0.1, drops 0.09
        assertThat(kept(l)).containsExactly(true, true, true, false, false);
    }

    @Test
    void topAThresholdIsAByPMaxSquared() {
        float[] l = fromProbs(0.5, 0.3, 0.1, 0.09, 0.01);
        new TopAFilter(0.38).process(l, NONE); // 0.38 · 0.5² = 0.095: keeps 0.1, drops 0.09
        assertThat(kept(l)).containsExactly(true, true, true, false, false);
        float[] m = fromProbs(0.5, 0.3, 0.1, 0.09, 0.01);
        new TopAFilter(1.0).process(m, NONE); // 0.25
        assertThat(kept(m)).containsExactly(true, true, false, false, false);
    }

    @Test
    void temperatureScalesLogits() {
        float[] l = {2f, -4f, 0f};
        new Temperature(0.5f).process(l, NONE);
        assertThat(l).containsExactly(4f, -8f, 0f);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens() {
        TokenHistory h = new TokenHistory(new int[] {0, 1});
        h.append(3);
        float[] l = {2f, -2f, 2f, 1f};
        new RepetitionPenalty(2f).process(l, h);
        assertThat(l).containsExactly(1f, -4f, 2f, 0.5f);
    }

    @Test
    void frequencyAndPresencePenaltiesCountOnlyTheOutput() {
        TokenHistory h = new TokenHistory(new int[] {0});
        h.append(1);
        h.append(1);
        h.append(2);
        float[] l = {1f, 1f, 1f, 1f};
        new FrequencyPresencePenalty(0.5f, 0.25f).process(l, h);
        assertThat(l).containsExactly(1f, 1f - 1f - 0.25f, 1f - 0.5f - 0.25f, 1f);
    }

    @Test
    void logitBiasAddsAndHundredBansOrForces() {
        float[] l = {5f, 1f, 0f};
        new LogitBias(Map.of(0, -100f, 2, 3f)).process(l, NONE);
        assertThat(l).containsExactly(-95f, 1f, 3f);
        SamplingChain forced = new SamplingChain(new SamplingParams(1f, 0, 1, 0, 0, 1f, 0f, 0f, Map.of(1, 100f), 5), null);
        for (int i = 0; i < 50; i++) assertThat(forced.next(new float[] {5f, 1f, 0f}, NONE)).isEqualTo(1);
    }

    @Test
    void tokenMaskRemovesDisallowedTokens() {
        TokenMask evenOnly = new TokenMask() {
            @Override
            public void allowed(BitSet allowed) {
                for (int i = 0; i < 6; i += 2) allowed.set(i);
            }

            @Override
            public void accept(int token) {
            }

            @Override
            public boolean isComplete() {
                return false;
            }
        };
        float[] l = {0f, 9f, 1f, 9f, 2f, 9f};
        new TokenMaskFilter(evenOnly).process(l, NONE);
        assertThat(kept(l)).containsExactly(true, false, true, false, true, false);
        SamplingChain greedy = new SamplingChain(SamplingParams.greedy(), evenOnly);
        assertThat(greedy.next(new float[] {0f, 9f, 1f, 9f, 2f, 9f}, NONE)).isEqualTo(4);
    }

    @Test
    void seededSamplingIsReproducibleAndFollowsTheFilteredDistribution() {
        float[] base = fromProbs(0.5, 0.25, 0.15, 0.1);
        SamplingParams p = new SamplingParams(1f, 0, 0.8, 0, 0, 1f, 0f, 0f, Map.of(), 42);
        SamplingChain a = new SamplingChain(p, null), b = new SamplingChain(p, null);
        int[] counts = new int[4];
        int n = 20000;
        for (int i = 0; i < n; i++) {
            int t = a.next(base.clone(), NONE);
            assertThat(b.next(base.clone(), NONE)).isEqualTo(t);
            counts[t]++;
        }
        // top_p 0.8 keeps {0.5, 0.25, 0.15} (0.75 < 0.8 ≤ 0.9), renormalised over 0.9.
        assertThat(counts[3]).isZero();
        assertThat(counts[0] / (double) n).isCloseTo(0.5 / 0.9, within(0.015));
        assertThat(counts[1] / (double) n).isCloseTo(0.25 / 0.9, within(0.015));
        assertThat(counts[2] / (double) n).isCloseTo(0.15 / 0.9, within(0.015));

        int differ = 0;
        SamplingChain c = new SamplingChain(p.withSeed(43), null), d = new SamplingChain(p, null);
        for (int i = 0; i < 200; i++) if (c.next(base.clone(), NONE) != d.next(base.clone(), NONE)) differ++;
        assertThat(differ).isPositive();
    }

    @Test
    void temperatureZeroIsArgmaxAfterPenalties() {
        TokenHistory h = new TokenHistory(new int[] {1});
        SamplingChain chain = new SamplingChain(new SamplingParams(0f, 0, 1, 0, 0, 4f, 0f, 0f, Map.of(), 1), null);
        // Token 1 leads but was seen: 3 / 4 = 0.75 < 2.
        assertThat(chain.next(new float[] {0f, 3f, 2f}, h)).isEqualTo(2);
    }

    @Test
    void lowTemperatureSharpensHighFlattens() {
        float[] base = fromProbs(0.6, 0.4);
        int n = 20000;
        double cold = share(new SamplingParams(0.5f, 0, 1, 0, 0, 1f, 0f, 0f, Map.of(), 1), base, n);
        double hot = share(new SamplingParams(2f, 0, 1, 0, 0, 1f, 0f, 0f, Map.of(), 1), base, n);
        // p ∝ p^(1/T): T 0.5 → 0.36/(0.36+0.16), T 2 → √0.6/(√0.6+√0.4).
        assertThat(cold).isCloseTo(0.36 / 0.52, within(0.015));
        assertThat(hot).isCloseTo(Math.sqrt(0.6) / (Math.sqrt(0.6) + Math.sqrt(0.4)), within(0.015));
    }

    private static double share(SamplingParams p, float[] base, int n) {
        SamplingChain chain = new SamplingChain(p, null);
        int zero = 0;
        for (int i = 0; i < n; i++) if (chain.next(base.clone(), NONE) == 0) zero++;
        return zero / (double) n;
    }
}
