package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q6_K ({@code d · scale · (q − 32)}, 6-bit q, an int8 scale per 16 columns) widened for {@link InterleavedMatVec}:
 * per group and 16 columns, the G rows' {@code d · scale} as floats (exact: 11 × 8 significant bits), then q in
 * byte cells of 4 columns (column {@code 4c + k} in byte k of cell c). 1.25 bytes a weight instead of ggml's 0.82,
 * in a new allocation: ggml's split 4 + 2 bits cost more to put together than the extra bytes cost to read.
 *
 * <p>A byte shifted to the top six bits of a float's mantissa and OR-ed with 1.0 is {@code 1 + q/64} (one shift and
 * one merged and/or per 16 weights, as {@link InterleavedQ4_0MatVec}); summed from {@code −1.5 · Σx} over the 16
 * columns that is {@code Σ (q − 32) · x / 64}.
 */
public final class InterleavedQ6KMatVec extends InterleavedMatVec {
    private static final int COLUMNS = 16, MANTISSA_TOP = 0x007E0000;
    private static final int[] MASKS = lanesOf(MANTISSA_TOP);

    InterleavedQ6KMatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q6_K, data, rows, cols, COLUMNS, 20 * G, 4 * G);
    }

    /** Bytes the widened layout of a {@code rows × cols} matrix takes. */
    static long bytesFor(int rows, int cols) {
        return (long) rows * cols / COLUMNS * 20;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }


    /** q of column {@code col} of the ggml super-block at {@code at} of {@code src} (see {@link Q6KMatVec}). */
    private static int q(MemorySegment src, long at, int col) {
        int n = col / 128, k = (col % 128) / 32, l = col % 32;
        int ql = src.get(Bytes.BYTE, at + 64 * n + l + (k % 2) * 32) & 0xFF, qh = src.get(Bytes.BYTE, at + 128 + 32 * n + l) & 0xFF;
        return (k < 2 ? ql & 0xF : ql >>> 4) | ((qh >>> (2 * k)) & 3) << 4;
    }

    @Override
    protected void interleaveGroup(MemorySegment src, long go) {
        for (int r = 0; r < G; r++) {
            for (int sb = 0; sb < cols / 256; sb++) {
                long at = r * rowBytes + sb * 210L;
                float d = Float.float16ToFloat(src.get(Bytes.SHORT, at + 208));
                for (int j = 0; j < 16; j++) {
                    long o = go + (long) (sb * 16 + j) * groupBlockBytes;
                    data.set(Bytes.FLOAT, o + 4L * r, d * src.get(Bytes.BYTE, at + 192 + j));
                    for (int c = 0; c < 4; c++) {
                        int packed = 0;
                        for (int k = 0; k < 4; k++) packed |= q(src, at, 16 * j + 4 * c + k) << (8 * k);
                        data.set(Bytes.INT, cell(o, c, r), packed);
                    }
                }
            }
        }
    }

    @Override
    protected void blockSums(float[] x, int xo, float[] sums, int so) {
        startValues(x, xo, sums, so, -1.5f);
    }

    // Written out without helper methods, for the reason given in InterleavedQ4_0MatVec.

    @Override
    protected FloatVector groupDot(long go, float[] x, int xo, float[] sums, int so) {
        IntVector m = IntVector.fromArray(Lanes.I, MASKS, 0), one = IntVector.fromArray(Lanes.I, ONES, 0);
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < blocks; b++) {
            long o = go + (long) b * groupBlockBytes;
            FloatVector p0 = FloatVector.broadcast(Lanes.F, sums[so + b]), p1 = FloatVector.zero(Lanes.F), p2 = p1, p3 = p1;
            for (int c = 0; c < 4; c++) {
                // Byte k of each cell shifted to bits 17-22 (the mantissa's top six) and OR-ed with 1.0: 1 + q/64.
                IntVector v = IntVector.fromMemorySegment(Lanes.I, data, cell(o, c, 0), LE);
                int xc = xo + b * COLUMNS + 4 * c;
                p0 = v.lanewise(VectorOperators.LSHL, 17).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc]), p0);
                p1 = v.lanewise(VectorOperators.LSHL, 9).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 1]), p1);
                p2 = v.lanewise(VectorOperators.LSHL, 1).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 2]), p2);
                p3 = v.lanewise(VectorOperators.LSHR, 7).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 3]), p3);
            }
            acc = p0.add(p1).add(p2.add(p3)).fma(FloatVector.fromMemorySegment(Lanes.F, data, o, LE), acc);
        }
        return acc.mul(64f);
    }

    @Override
    protected void decodeGroupBlock(long go, int b, float[] dst, int stride, int offset) {
        IntVector m = IntVector.fromArray(Lanes.I, MASKS, 0), one = IntVector.fromArray(Lanes.I, ONES, 0);
        long o = go + (long) b * groupBlockBytes;
        // (1 + q/64) · 64s − 96s is s · (q − 32) exactly (s = d · scale has at most 19 significant bits), rounded
        // once: the plain decoder's float.
        FloatVector s = FloatVector.fromMemorySegment(Lanes.F, data, o, LE), s64 = s.mul(64f), sm96 = s.mul(-96f);
        for (int c = 0; c < 4; c++) {
            IntVector v = IntVector.fromMemorySegment(Lanes.I, data, cell(o, c, 0), LE);
            int at = (b * COLUMNS + 4 * c) * stride + offset;
            for (int k = 0; k < 4; k++) {
                FloatVector f = v.lanewise(VectorOperators.ROL, (17 - 8 * k) & 31).and(m).or(one).reinterpretAsFloats();
                f.fma(s64, sm96).intoArray(dst, at + k * stride);
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        long go = groupOffset(row / G);
        int lane = row % G;
        for (int b = 0; b < blocks; b++) {
            long o = go + (long) b * groupBlockBytes;
            float scale = data.get(Bytes.FLOAT, o + 4L * lane);
            for (int c = 0; c < 4; c++) {
                int packed = data.get(Bytes.INT, cell(o, c, lane));
                for (int k = 0; k < 4; k++) dst[dstOff + b * COLUMNS + 4 * c + k] = scale * (((packed >>> (8 * k)) & 0xFF) - 32);
            }
        }
    }
}
