package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kernel against a plain scalar dequantise-then-dot of the same block bytes. The scalar decoders
 * below follow ggml's reference C loops literally (pointer walks, one value at a time), independently of
 * the kernels' own code.
 */
class MatVecTest {

    private static final WorkerPool POOL = new WorkerPool(2);

    @AfterAll
    static void closePool() {
        POOL.close();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K"})
    void kernelMatchesScalarDequantiseThenDot(GgmlType type) {
        Random rnd = new Random(42 + type.id);
        int rows = 37, cols = 512;
        byte[] bytes = randomBlocks(type, rows * cols / type.blockSize, rnd);
        MatVec m = MatVec.of(type, MemorySegment.ofArray(bytes), rows, cols);
        float[] w = new float[rows * cols];
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < rows * cols / type.blockSize; b++) {
            dequantizeBlock(type, buf, b * type.typeSize, w, b * type.blockSize);
        }

        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            m.dequantizeRow(r, row, 0);
            for (int c = 0; c < cols; c++) assertThat(row[c]).as("%s row %d col %d", type, r, c).isCloseTo(w[r * cols + c], tol(w[r * cols + c]));
        }

        for (int n : new int[] {1, 2, 3, 5, 17, 70}) {
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] out = new float[n * rows];
            m.multiply(x, n, out, POOL);
            for (int t = 0; t < n; t++) {
                for (int r = 0; r < rows; r++) {
                    double ref = 0, mag = 0;
                    for (int c = 0; c < cols; c++) {
                        ref += (double) w[r * cols + c] * x[t * cols + c];
                        mag += Math.abs((double) w[r * cols + c] * x[t * cols + c]);
                    }
                    assertThat((double) out[t * rows + r]).as("%s n=%d token %d row %d", type, n, t, r).isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-5 * mag + 1e-6));
                    if (n == 1) assertThat((double) m.dot(r, x, 0)).isCloseTo(out[r], org.assertj.core.data.Offset.offset(1e-6 * mag + 1e-7));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(names = {"Q8_0", "Q4_0", "F16", "Q6_K", "Q4_K"})
    void interleavedKernelMatchesPlainKernel(GgmlType type) {
        Random rnd = new Random(7 + type.id);
        int rows = 4 * Lanes.L, cols = 512;
        byte[] bytes = randomBlocks(type, rows * cols / type.blockSize, rnd), original = bytes.clone();
        MatVec plain = MatVec.of(type, MemorySegment.ofArray(original), rows, cols);
        MatVec m = MatVec.interleave(type, MemorySegment.ofArray(bytes), rows, cols, POOL);
        if (!Lanes.BYTES) return; // no interleaved kernels on 128-bit machines: of() was returned
        assertThat(m).isInstanceOf(InterleavedMatVec.class);
        if (type == GgmlType.Q6_K || type == GgmlType.Q4_K) assertThat(bytes).as("widened into new memory").isEqualTo(original);
        else assertThat(bytes).as("rearranged in place").isNotEqualTo(original);

        float[] w = new float[rows * cols], row = new float[cols];
        for (int r = 0; r < rows; r++) {
            plain.dequantizeRow(r, w, r * cols);
            m.dequantizeRow(r, row, 0);
            assertThat(row).as("row %d", r).containsExactly(java.util.Arrays.copyOfRange(w, r * cols, (r + 1) * cols));
        }
        for (int n : new int[] {1, 2, 3, 5, 17, 70}) {
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] want = new float[n * rows], got = new float[n * rows];
            plain.multiply(x, n, want, POOL);
            m.multiply(x, n, got, POOL);
            for (int t = 0; t < n; t++) {
                for (int r = 0; r < rows; r++) {
                    double mag = 0;
                    for (int c = 0; c < cols; c++) mag += Math.abs(w[r * cols + c] * x[t * cols + c]);
                    assertThat((double) got[t * rows + r]).as("%s n=%d token %d row %d", type, n, t, r)
                            .isCloseTo(want[t * rows + r], org.assertj.core.data.Offset.offset(1e-5 * mag + 1e-6));
                }
            }
            if (n <= MatVec.FUSED_MAX_TOKENS) {
                // Any row range, aligned or not, gives the same bits; so does the last token alone.
                float[] part = new float[n * rows];
                m.multiplyRows(x, n, part, 3, rows - 5);
                for (int t = 0; t < n; t++) {
                    for (int r = 3; r < rows - 5; r++) assertThat(part[t * rows + r]).isEqualTo(got[t * rows + r]);
                }
                float[] alone = new float[rows];
                m.multiply(java.util.Arrays.copyOfRange(x, (n - 1) * cols, n * cols), 1, alone, POOL);
                for (int r = 0; r < rows; r++) assertThat(alone[r]).isEqualTo(got[(n - 1) * rows + r]);
            }
        }
    }

    private static org.assertj.core.data.Offset<Float> tol(float v) {
        return org.assertj.core.data.Offset.offset(Math.abs(v) * 1e-6f + 1e-7f);
    }

    /** Random block bytes with sane scale fields (no inf/NaN halves). */
    static byte[] randomBlocks(GgmlType type, int blocks, Random rnd) {
        ByteBuffer b = ByteBuffer.allocate(blocks * type.typeSize).order(ByteOrder.LITTLE_ENDIAN);
        byte[] all = b.array();
        rnd.nextBytes(all);
        for (int i = 0; i < blocks; i++) {
            int o = i * type.typeSize;
            switch (type) {
                case F32 -> {
                    for (int j = 0; j < type.typeSize; j += 4) b.putFloat(o + j, (float) rnd.nextGaussian());
                }
                case F16 -> b.putShort(o, Float.floatToFloat16((float) rnd.nextGaussian()));
                case BF16 -> b.putShort(o, (short) (Float.floatToIntBits((float) rnd.nextGaussian()) >>> 16));
                case Q8_0, Q4_0, Q5_0 -> b.putShort(o, half(rnd));
                case Q4_1, Q5_1 -> {
                    b.putShort(o, half(rnd));
                    b.putShort(o + 2, half(rnd));
                }
                case Q2_K -> {
                    b.putShort(o + 80, half(rnd));
                    b.putShort(o + 82, half(rnd));
                }
                case Q3_K -> b.putShort(o + 108, half(rnd));
                case Q4_K, Q5_K -> {
                    b.putShort(o, half(rnd));
                    b.putShort(o + 2, half(rnd));
                }
                case Q6_K -> b.putShort(o + 208, half(rnd));
                case Q8_K -> b.putFloat(o, (float) (rnd.nextGaussian() * 0.01));
                default -> throw new AssertionError(type);
            }
        }
        return all;
    }

    private static short half(Random rnd) {
        return Float.floatToFloat16((float) (rnd.nextGaussian() * 0.05));
    }

    private static float h(ByteBuffer b, int o) {
        return Float.float16ToFloat(b.getShort(o));
    }

    private static int u8(ByteBuffer b, int o) {
        return b.get(o) & 0xFF;
    }

    /** ggml's dequantize_row_* for one block at byte {@code o}, into y[yo ..]. */
    static void dequantizeBlock(GgmlType type, ByteBuffer b, int o, float[] y, int yo) {
        switch (type) {
            case F32 -> y[yo] = b.getFloat(o);
            case F16 -> y[yo] = h(b, o);
            case BF16 -> y[yo] = Float.intBitsToFloat((b.getShort(o) & 0xFFFF) << 16);
            case Q8_0 -> {
                float d = h(b, o);
                for (int j = 0; j < 32; j++) y[yo + j] = b.get(o + 2 + j) * d;
            }
            case Q4_0 -> {
                float d = h(b, o);
                for (int j = 0; j < 16; j++) {
                    int x0 = (u8(b, o + 2 + j) & 0x0F) - 8, x1 = (u8(b, o + 2 + j) >> 4) - 8;
                    y[yo + j] = x0 * d;
                    y[yo + j + 16] = x1 * d;
                }
            }
            case Q4_1 -> {
                float d = h(b, o), m = h(b, o + 2);
                for (int j = 0; j < 16; j++) {
                    y[yo + j] = (u8(b, o + 4 + j) & 0x0F) * d + m;
                    y[yo + j + 16] = (u8(b, o + 4 + j) >> 4) * d + m;
                }
            }
            case Q5_0 -> {
                float d = h(b, o);
                int qh = b.getInt(o + 2);
                for (int j = 0; j < 16; j++) {
                    int xh0 = ((qh >>> j) << 4) & 0x10, xh1 = (qh >>> (j + 12)) & 0x10;
                    y[yo + j] = (((u8(b, o + 6 + j) & 0x0F) | xh0) - 16) * d;
                    y[yo + j + 16] = (((u8(b, o + 6 + j) >> 4) | xh1) - 16) * d;
                }
            }
            case Q5_1 -> {
                float d = h(b, o), m = h(b, o + 2);
                int qh = b.getInt(o + 4);
                for (int j = 0; j < 16; j++) {
                    int xh0 = ((qh >>> j) << 4) & 0x10, xh1 = (qh >>> (j + 12)) & 0x10;
                    y[yo + j] = ((u8(b, o + 8 + j) & 0x0F) | xh0) * d + m;
                    y[yo + j + 16] = ((u8(b, o + 8 + j) >> 4) | xh1) * d + m;
                }
            }
            case Q8_K -> {
                float d = b.getFloat(o);
                for (int j = 0; j < 256; j++) y[yo + j] = d * b.get(o + 4 + j);
            }
            case Q2_K -> {
                float d = h(b, o + 80), min = h(b, o + 82);
                int q = o + 16, is = 0, p = yo;
                for (int n = 0; n < 256; n += 128) {
                    int shift = 0;
                    for (int j = 0; j < 4; ++j) {
                        int sc = u8(b, o + is++);
                        float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                        for (int l = 0; l < 16; ++l) y[p++] = dl * ((u8(b, q + l) >> shift) & 3) - ml;
                        sc = u8(b, o + is++);
                        dl = d * (sc & 0xF);
                        ml = min * (sc >> 4);
                        for (int l = 0; l < 16; ++l) y[p++] = dl * ((u8(b, q + l + 16) >> shift) & 3) - ml;
                        shift += 2;
                    }
                    q += 32;
                }
            }
            case Q3_K -> {
                float d = h(b, o + 108);
                int[] aux = {b.getInt(o + 96), b.getInt(o + 100), b.getInt(o + 104), 0};
                int tmp = aux[2], kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
                aux[2] = ((aux[0] >>> 4) & kmask2) | (((tmp >>> 4) & kmask1) << 4);
                aux[3] = ((aux[1] >>> 4) & kmask2) | (((tmp >>> 6) & kmask1) << 4);
                aux[0] = (aux[0] & kmask2) | (((tmp) & kmask1) << 4);
                aux[1] = (aux[1] & kmask2) | (((tmp >>> 2) & kmask1) << 4);
                byte[] scales = new byte[16];
                for (int i = 0; i < 16; i++) scales[i] = (byte) (aux[i / 4] >>> (8 * (i % 4)));
                int q = o + 32, hm = o, m = 1, is = 0, p = yo;
                for (int n = 0; n < 256; n += 128) {
                    int shift = 0;
                    for (int j = 0; j < 4; ++j) {
                        float dl = d * (scales[is++] - 32);
                        for (int l = 0; l < 16; ++l) y[p++] = dl * (((u8(b, q + l) >> shift) & 3) - ((u8(b, hm + l) & m) != 0 ? 0 : 4));
                        dl = d * (scales[is++] - 32);
                        for (int l = 0; l < 16; ++l) y[p++] = dl * (((u8(b, q + l + 16) >> shift) & 3) - ((u8(b, hm + l + 16) & m) != 0 ? 0 : 4));
                        shift += 2;
                        m <<= 1;
                    }
                    q += 32;
                }
            }
            case Q4_K, Q5_K -> {
                boolean five = type == GgmlType.Q5_K;
                float d = h(b, o), min = h(b, o + 2);
                int sc = o + 4, qh = o + 16, ql = five ? o + 48 : o + 16, is = 0, p = yo, u1 = 1, u2 = 2;
                for (int j = 0; j < 256; j += 64) {
                    int[] s1 = scaleMinK4(b, sc, is), s2 = scaleMinK4(b, sc, is + 1);
                    float d1 = d * s1[0], m1 = min * s1[1], d2 = d * s2[0], m2 = min * s2[1];
                    for (int l = 0; l < 32; ++l) y[p++] = d1 * ((u8(b, ql + l) & 0xF) + (five && (u8(b, qh + l) & u1) != 0 ? 16 : 0)) - m1;
                    for (int l = 0; l < 32; ++l) y[p++] = d2 * ((u8(b, ql + l) >> 4) + (five && (u8(b, qh + l) & u2) != 0 ? 16 : 0)) - m2;
                    ql += 32;
                    is += 2;
                    u1 <<= 2;
                    u2 <<= 2;
                }
            }
            case Q6_K -> {
                float d = h(b, o + 208);
                int ql = o, qh = o + 128, sc = o + 192, p = yo;
                for (int n = 0; n < 256; n += 128) {
                    for (int l = 0; l < 32; ++l) {
                        int is = l / 16;
                        int q1 = ((u8(b, ql + l) & 0xF) | (((u8(b, qh + l) >> 0) & 3) << 4)) - 32;
                        int q2 = ((u8(b, ql + l + 32) & 0xF) | (((u8(b, qh + l) >> 2) & 3) << 4)) - 32;
                        int q3 = ((u8(b, ql + l) >> 4) | (((u8(b, qh + l) >> 4) & 3) << 4)) - 32;
                        int q4 = ((u8(b, ql + l + 32) >> 4) | (((u8(b, qh + l) >> 6) & 3) << 4)) - 32;
                        y[p + l] = d * b.get(sc + is) * q1;
                        y[p + l + 32] = d * b.get(sc + is + 2) * q2;
                        y[p + l + 64] = d * b.get(sc + is + 4) * q3;
                        y[p + l + 96] = d * b.get(sc + is + 6) * q4;
                    }
                    p += 128;
                    ql += 64;
                    qh += 32;
                    sc += 8;
                }
            }
            default -> throw new AssertionError(type);
        }
    }

    private static int[] scaleMinK4(ByteBuffer b, int q, int j) {
        if (j < 4) return new int[] {u8(b, q + j) & 63, u8(b, q + j + 4) & 63};
        return new int[] {(u8(b, q + j + 4) & 0xF) | ((u8(b, q + j - 4) >> 6) << 4), (u8(b, q + j + 4) >> 4) | ((u8(b, q + j) >> 6) << 4)};
    }
}
