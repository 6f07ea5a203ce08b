package io.qwen4j.kv;

import io.qwen4j.tensor.HalfFloat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PagedKvCacheTest {

    /** Two sequences written interleaved (so their blocks alternate in the pool), attention vs a plain softmax. */
    @ParameterizedTest(name = "{0} storage")
    @EnumSource(PagedKvCache.Storage.class)
    void onlineSoftmaxAttentionMatchesPlainSoftmax(PagedKvCache.Storage storage) {
        int layers = 2, kvHeads = 2, headDim = 64, n = 53;
        Random rnd = new Random(1);
        try (PagedKvCache cache = new PagedKvCache(layers, kvHeads, headDim, 16, 16, storage)) {
            KvSequence a = cache.newSequence(), b = cache.newSequence();
            float[][] ka = new float[n][kvHeads * headDim], va = new float[n][kvHeads * headDim];
            for (int i = 0; i < n; i++) {
                for (KvSequence s : new KvSequence[] {a, b}) {
                    float[] k = gaussian(rnd, kvHeads * headDim), v = gaussian(rnd, kvHeads * headDim);
                    int idx = cache.extend(s, 1);
                    cache.write(1, s, idx, k, 0, v, 0);
                    if (s == a) {
                        ka[i] = round(k, storage);
                        va[i] = round(v, storage);
                    }
                }
            }
            assertThat(a.length()).isEqualTo(n);
            float[] q = gaussian(rnd, headDim);
            float scale = 0.125f;
            for (int count : new int[] {1, 16, 17, 40, n}) {
                for (int h = 0; h < kvHeads; h++) {
                    float[] out = new float[headDim];
                    cache.attend(1, a, h, count, q, 0, scale, out, 0);
                    double[] w = new double[count];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < count; j++) {
                        double s = 0;
                        for (int d = 0; d < headDim; d++) s += (double) q[d] * ka[j][h * headDim + d];
                        w[j] = s * scale;
                        max = Math.max(max, w[j]);
                    }
                    for (int j = 0; j < count; j++) sum += w[j] = Math.exp(w[j] - max);
                    for (int d = 0; d < headDim; d++) {
                        double ref = 0;
                        for (int j = 0; j < count; j++) ref += w[j] / sum * va[j][h * headDim + d];
                        assertThat((double) out[d]).isCloseTo(ref, within(1e-5));
                    }
                }
            }
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(HalfFloat.floatToBf16(1f)).isEqualTo((short) 0x3F80);
        assertThat(HalfFloat.floatToBf16(Float.intBitsToFloat(0x3F808000))).isEqualTo((short) 0x3F80); // tie, even stays
        assertThat(HalfFloat.floatToBf16(Float.intBitsToFloat(0x3F818000))).isEqualTo((short) 0x3F82); // tie, odd rounds up
        assertThat(HalfFloat.floatToBf16(Float.intBitsToFloat(0x3F808001))).isEqualTo((short) 0x3F81);
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }

    private static float[] round(float[] x, PagedKvCache.Storage storage) {
        float[] y = x.clone();
        for (int i = 0; i < y.length; i++) {
            y[i] = switch (storage) {
                case F32 -> y[i];
                case F16 -> Float.float16ToFloat(Float.floatToFloat16(y[i]));
                case BF16 -> HalfFloat.bf16ToFloat(HalfFloat.floatToBf16(y[i]));
            };
        }
        return y;
    }
}
