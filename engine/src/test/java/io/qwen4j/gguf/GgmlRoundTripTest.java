package io.qwen4j.gguf;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** quantise → dequantise for every type on seeded random data, with the same format-derived bounds. */
class GgmlRoundTripTest {

    private static final float HALF_ULP = 0x1p-11f;
    private static final int N = 256 * 64;
    /** Relative RMS error per type on unit Gaussians, for the log. */
    private static final java.util.Map<GgmlType, Double> MEASURED = new java.util.concurrent.ConcurrentSkipListMap<>();

    @org.junit.jupiter.api.AfterAll
    static void report() {
        MEASURED.forEach((t, e) -> System.out.printf("round trip %-5s relative RMS error %.5f%n", t, e));
    }

    static float[] gaussian(long seed, double sigma) {
        Random r = new Random(seed);
        float[] x = new float[N];
        for (int i = 0; i < N; i++) x[i] = (float) (r.nextGaussian() * sigma);
        return x;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"I8", "I16", "I32", "I64", "F64"}, mode = EnumSource.Mode.EXCLUDE)
    void roundTripsWithinTheFormatsBound(GgmlType type) {
        for (double sigma : new double[] {0.02, 1, 50}) {
            float[] x = gaussian(7 + (long) (sigma * 100), sigma);
            x[5] = (float) (8 * sigma); // an outlier
            byte[] q = GgmlQuantizer.quantize(type, x);
            assertThat((long) q.length).isEqualTo(type.byteSize(N));
            float[] y = new float[N];
            MemorySegment data = MemorySegment.ofArray(q);
            GgmlDequantizer.dequantize(type, data, 0, y, 0, N);
            String where = type + " sigma " + sigma;
            switch (type) {
                case F32, F16, BF16 -> GgmlDequantizerTest.checkAgainstOriginal(new GgufTensorInfo(where, type, new long[] {N}, 0), x, y, data);
                case Q8_0 -> GgmlDequantizerTest.checkBlockBound(where, x, y, data, 34, 32, GgmlDequantizerTest.Q8_0_BOUND);
                case Q8_1 -> {
                    GgmlDequantizerTest.checkBlockBound(where, x, y, data, 36, 32, GgmlDequantizerTest.Q8_0_BOUND);
                    for (int b = 0; b < N / 32; b++) {
                        int sum = 0;
                        for (int j = 0; j < 32; j++) sum += LittleEndian.i8(data, 36L * b + 4 + j);
                        float s = LittleEndian.f16(data, 36L * b + 2);
                        // s = half(sum * d') with the unrounded d', so it matches sum * half(d') to about two half ulps.
                        float expected = sum * LittleEndian.f16(data, 36L * b);
                        assertThat(s).isCloseTo(expected, org.assertj.core.data.Offset.offset(Math.abs(expected) * 2 * HALF_ULP + 1e-30f));
                    }
                }
                case Q4_0 -> GgmlDequantizerTest.checkBlockBound(where, x, y, data, 18, 32, GgmlDequantizerTest.Q4_0_BOUND);
                case Q5_0 -> checkSymmetric(where, x, y, data, 22, 16);
                case Q4_1 -> checkAffine(where, x, y, data, 20, 15);
                case Q5_1 -> checkAffine(where, x, y, data, 24, 31);
                case Q8_K -> {
                    double rel = GgmlDequantizerTest.checkRelativeRms(where, type, x, y);
                    if (sigma == 1) MEASURED.put(type, rel);
                    for (int b = 0; b < N / 256; b++) {
                        float d = data.get(LittleEndian.F32, 292L * b);
                        for (int j = 0; j < 256; j++) {
                            assertThat(Math.abs(y[b * 256 + j] - x[b * 256 + j])).isLessThanOrEqualTo(Math.abs(d) * 0.5f * (1 + 1e-6f));
                        }
                        for (int g = 0; g < 16; g++) {
                            int sum = 0;
                            for (int j = 0; j < 16; j++) sum += LittleEndian.i8(data, 292L * b + 4 + 16 * g + j);
                            assertThat(data.get(LittleEndian.I16, 292L * b + 260 + 2 * g)).isEqualTo((short) sum);
                        }
                    }
                }
                default -> {
                    double rel = GgmlDequantizerTest.checkRelativeRms(where, type, x, y);
                    if (sigma == 1) MEASURED.put(type, rel);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GgmlType.class, names = {"I8", "I16", "I32", "I64", "F64"}, mode = EnumSource.Mode.EXCLUDE)
    void zerosStayZeroAndConstantsStayClose(GgmlType type) {
        float[] zeros = new float[N];
        float[] y = new float[N];
        GgmlDequantizer.dequantize(type, MemorySegment.ofArray(GgmlQuantizer.quantize(type, zeros)), 0, y, 0, N);
        for (float v : y) if (v != 0) fail(type + ": zeros came back as " + v);
        float[] constant = new float[N];
        java.util.Arrays.fill(constant, -0.75f);
        GgmlDequantizer.dequantize(type, MemorySegment.ofArray(GgmlQuantizer.quantize(type, constant)), 0, y, 0, N);
        for (float v : y) assertThat(v).as(type.toString()).isCloseTo(-0.75f, org.assertj.core.data.Offset.offset(0.75f * 0.02f));
    }

    /** Q5_0: 32 codes (q - 16) with d' = max/-16; ≤ d'/2 + 16|d' - d|, or |d'| for values clamped to code 31. */
    private static void checkSymmetric(String where, float[] x, float[] y, MemorySegment data, int blockBytes, int half) {
        for (int i = 0; i < x.length; i++) {
            float d = LittleEndian.f16(data, (long) (i / 32) * blockBytes);
            boolean topCode = d != 0 && Math.round(y[i] / d) == half - 1;
            double limit = Math.abs(d) * ((topCode ? 1.0 : 0.5) + half * HALF_ULP) * (1 + HALF_ULP) + 1e-30;
            if (Math.abs((double) y[i] - x[i]) > limit) fail(where + "[" + i + "]: " + y[i] + " vs " + x[i] + " > " + limit);
        }
    }

    /** Q4_1/Q5_1: codes 0..nmax over [min, max]: ≤ d'/2 + nmax|d' - d| + |m' - m|. */
    private static void checkAffine(String where, float[] x, float[] y, MemorySegment data, int blockBytes, int nmax) {
        for (int i = 0; i < x.length; i++) {
            long at = (long) (i / 32) * blockBytes;
            float d = LittleEndian.f16(data, at), m = LittleEndian.f16(data, at + 2);
            double limit = Math.abs(d) * (0.5 + nmax * HALF_ULP) * (1 + HALF_ULP) + Math.abs(m) * HALF_ULP * 1.01 + 1e-30;
            if (Math.abs((double) y[i] - x[i]) > limit) fail(where + "[" + i + "]: " + y[i] + " vs " + x[i] + " > " + limit);
        }
    }
}
