package io.qwen4j.gguf;

import io.qwen4j.testing.TestData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every tensor of every quantised fixture, dequantised, against the same tensor of the F32 fixture, with error
 * bounds that follow from each format. Quantisation of the F32 fixture reproduces these files' bytes exactly
 * ({@link GgmlQuantizerTest}), so the bounds hold for our quantiser's output too.
 */
class GgmlDequantizerTest {

    private static final float HALF_ULP = 0x1p-11f; // relative rounding error of float -> IEEE half
    private static GgufFile f32;
    /** Worst measured error per type, as a fraction of its bound (for the report). */
    private static final Map<String, Double> WORST = new TreeMap<>();

    @BeforeAll
    static void openReference() throws Exception {
        f32 = GgufFile.open(TestData.path("models/qwen3vl-tiny-F32.gguf"));
    }

    @AfterAll
    static void closeReference() {
        f32.close();
        WORST.forEach((k, v) -> System.out.printf("%-28s %.6g%n", k, v));
    }

    @Tag("slow")
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_K_M", "Q6_K"})
    void everyTensorIsCloseToTheF32Original(String variant) throws Exception {
        try (GgufFile file = GgufFile.open(TestData.path("models/qwen3vl-tiny-" + variant + ".gguf"))) {
            assertThat(file.tensorInfos().keySet()).isEqualTo(f32.tensorInfos().keySet());
            for (GgufTensorInfo info : file.tensorInfos().values()) {
                GgufTensorInfo ref = f32.tensorInfo(info.name());
                assertThat(info.ne()).as("%s %s", variant, info.name()).containsExactly(ref.ne());
                float[] x = GgmlDequantizer.dequantize(f32, ref);
                float[] y = GgmlDequantizer.dequantize(file, info);
                checkAgainstOriginal(info, x, y, file.tensorData(info));
            }
        }
    }

    @Tag("slow")
    @Test
    void mmprojF16IsTheF32ProjectorRoundedToHalf() throws Exception {
        try (GgufFile a = GgufFile.open(TestData.path("models/mmproj-qwen3vl-tiny-F32.gguf"));
             GgufFile b = GgufFile.open(TestData.path("models/mmproj-qwen3vl-tiny-F16.gguf"))) {
            for (GgufTensorInfo info : b.tensorInfos().values()) {
                float[] x = GgmlDequantizer.dequantize(a, a.tensorInfo(info.name()));
                checkAgainstOriginal(info, x, GgmlDequantizer.dequantize(b, info), b.tensorData(info));
            }
        }
    }

    static void checkAgainstOriginal(GgufTensorInfo info, float[] x, float[] y, MemorySegment data) {
        String where = info.name() + " (" + info.type() + ")";
        switch (info.type()) {
            case F32 -> assertThat(y).as(where).containsExactly(x);
            case F16 -> {
                for (int i = 0; i < x.length; i++) {
                    if (Float.floatToIntBits(y[i]) != Float.floatToIntBits(Float.float16ToFloat(Float.floatToFloat16(x[i])))) {
                        fail(where + "[" + i + "] = " + y[i] + " is not " + x[i] + " rounded to half");
                    }
                }
            }
            case BF16 -> {
                for (int i = 0; i < x.length; i++) {
                    float expected = Float.intBitsToFloat(LittleEndian.floatToBf16(x[i]) << 16);
                    if (Float.floatToIntBits(y[i]) != Float.floatToIntBits(expected)) {
                        fail(where + "[" + i + "] = " + y[i] + " is not " + x[i] + " rounded to bfloat16");
                    }
                }
            }
            case Q8_0 -> checkBlockBound(where, x, y, data, 34, 32, Q8_0_BOUND);
            case Q4_0 -> checkBlockBound(where, x, y, data, 18, 32, Q4_0_BOUND);
            default -> checkRelativeRms(where, info.type(), x, y);
        }
    }

    /** Bound on |error| of one value given the block's stored scale d and the value's code. */
    interface ElementBound {
        double of(float d, MemorySegment block, int j);
    }

    /**
     * Q8_0: q = round(x / d') with d' = amax/127 and d = half(d'), so |x - q d| ≤ d'/2 + 127 |d' - d|
     * ≤ |d| (1/2 + 127·2^-11)(1 + 2^-11).
     */
    static final ElementBound Q8_0_BOUND = (d, block, j) -> Math.abs(d) * (0.5 + 127 * HALF_ULP) * (1 + HALF_ULP) + 1e-30;

    /**
     * Q4_0: codes (q - 8) with d' = max/-8: rounding gives ≤ d'/2 plus 8 |d' - d|; values opposite to the block's
     * largest magnitude beyond 7.5 d' are clamped to code 15 and err by up to |d'|.
     */
    static final ElementBound Q4_0_BOUND = (d, block, j) -> {
        int q = LittleEndian.u8(block, 2 + j % 16) >>> (j < 16 ? 0 : 4) & 0xF;
        return Math.abs(d) * ((q == 15 ? 1.0 : 0.5) + 8 * HALF_ULP) * (1 + HALF_ULP) + 1e-30;
    };

    static void checkBlockBound(String where, float[] x, float[] y, MemorySegment data, int blockBytes, int blockSize, ElementBound bound) {
        double worst = 0;
        for (int b = 0; b < x.length / blockSize; b++) {
            MemorySegment block = data.asSlice((long) b * blockBytes, blockBytes);
            float d = LittleEndian.f16(block, 0);
            for (int j = 0; j < blockSize; j++) {
                int i = b * blockSize + j;
                double err = Math.abs((double) y[i] - x[i]);
                double limit = bound.of(d, block, j);
                if (err > limit) fail(where + "[" + i + "]: |" + y[i] + " - " + x[i] + "| = " + err + " > " + limit);
                worst = Math.max(worst, err / limit);
                WORST.merge(where.replaceAll("^.* \\(", "").replace(")", "") + " max |err|", err, Math::max);
            }
        }
        WORST.merge(where.replaceAll("^.* \\(", "fixture (").replace(")", ") err/bound"), worst, Math::max);
    }

    /**
     * K-quants: relative RMS error ‖y - x‖/‖x‖ of the tensor. For roughly Gaussian weights a b-bit code over
     * ±3σ groups has a step ≈ 6σ/2^b, uniform rounding noise step/√12 ≈ 1.7σ/2^b; the bounds allow ~1.5× that.
     */
    static double relativeRmsBound(GgmlType type) {
        return switch (type) {
            case Q2_K -> 0.45;
            case Q3_K -> 0.25;
            case Q4_K -> 0.12;
            case Q5_K -> 0.06;
            case Q6_K -> 0.03;
            case Q8_K -> 0.012;
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    static double checkRelativeRms(String where, GgmlType type, float[] x, float[] y) {
        double num = 0, den = 0;
        for (int i = 0; i < x.length; i++) {
            double e = (double) y[i] - x[i];
            num += e * e;
            den += (double) x[i] * x[i];
        }
        double rel = den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
        assertThat(rel).as(where + " relative RMS error").isLessThanOrEqualTo(relativeRmsBound(type));
        WORST.merge(type + " relative RMS", rel, Math::max);
        double maxAbs = 0;
        for (int i = 0; i < x.length; i++) maxAbs = Math.max(maxAbs, Math.abs((double) y[i] - x[i]));
        WORST.merge(type + " max |err|", maxAbs, Math::max);
        return rel;
    }

    @Test
    void rowsAreSlicesOfTheWholeTensor() throws Exception {
        try (GgufFile file = GgufFile.open(TestData.path("models/qwen3vl-tiny-Q4_K_M.gguf"))) {
            GgufTensorInfo info = file.tensorInfo("token_embd.weight");
            float[] all = GgmlDequantizer.dequantize(file, info);
            float[] rows = GgmlDequantizer.dequantizeRows(file, info, 100, 3);
            assertThat(rows).containsExactly(java.util.Arrays.copyOfRange(all, 100 * 256, 103 * 256));
        }
    }
}
