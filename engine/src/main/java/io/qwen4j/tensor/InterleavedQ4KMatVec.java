package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q4_K ({@code d · scale · q − dmin · min} per 32-column sub-block, 4-bit q) widened for {@link InterleavedMatVec}:
 * per group and sub-block, the G rows' {@code 16 · d · scale} and {@code dmin · min} as floats (both exact: 11 × 6
 * significant bits), then the nibbles in cells as {@link InterleavedQ4_0MatVec}'s. 0.75 bytes a weight instead of
 * ggml's 0.5625, in a new allocation: no 6-bit scale unpacking at run time.
 *
 * <p>Built as {@code 1 + q/16} and summed from {@code −Σx} over the sub-block, a row's sum is {@code Σ q · x / 16};
 * times {@code 16 · d · scale}, minus {@code dmin · min · Σx}.
 */
public final class InterleavedQ4KMatVec extends InterleavedMatVec {
    private static final int COLUMNS = 32, MANTISSA_TOP = 0x00780000;
    private static final int[] MASKS = lanesOf(MANTISSA_TOP);

    InterleavedQ4KMatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_K, data, rows, cols, COLUMNS, 24 * G, 8 * G);
    }

    /** Bytes the widened layout of a {@code rows × cols} matrix takes. */
    static long bytesFor(int rows, int cols) {
        return (long) rows * cols / COLUMNS * 24;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    protected void interleaveGroup(MemorySegment src, long go) {
        for (int r = 0; r < G; r++) {
            for (int sb = 0; sb < cols / 256; sb++) {
                long at = r * rowBytes + sb * 144L;
                float d = Float.float16ToFloat(src.get(Bytes.SHORT, at)), dmin = Float.float16ToFloat(src.get(Bytes.SHORT, at + 2));
                for (int j = 0; j < 8; j++) {
                    long o = go + (long) (sb * 8 + j) * groupBlockBytes;
                    data.set(Bytes.FLOAT, o + 4L * r, 16 * (d * Q4KMatVec.scale(src, at + 4, j)));
                    data.set(Bytes.FLOAT, o + 4L * (G + r), dmin * Q4KMatVec.min(src, at + 4, j));
                    // Sub-block j: the low (j even) or high (j odd) nibbles of bytes 32·(j/2) .. + 31.
                    for (int c = 0; c < 4; c++) data.set(Bytes.INT, cell(o, c, r), nibbles(src, at + 16 + 32 * (j / 2) + 8 * c, j % 2 == 1));
                }
            }
        }
    }

    @Override
    protected void blockSums(float[] x, int xo, float[] sums, int so) {
        startValues(x, xo, sums, so, -1f);
    }

    // Written out without helper methods, for the reason given in InterleavedQ4_0MatVec.

    @Override
    protected FloatVector groupDot(long go, float[] x, int xo, float[] sums, int so) {
        IntVector m = IntVector.fromArray(Lanes.I, MASKS, 0), one = IntVector.fromArray(Lanes.I, ONES, 0);
        FloatVector acc = FloatVector.zero(Lanes.F), mins = acc;
        for (int b = 0; b < blocks; b++) {
            long o = go + (long) b * groupBlockBytes;
            FloatVector negSum = FloatVector.broadcast(Lanes.F, sums[so + b]);
            FloatVector p0 = negSum, p1 = FloatVector.zero(Lanes.F), p2 = p1, p3 = p1;
            for (int c = 0; c < 4; c++) {
                IntVector v = IntVector.fromMemorySegment(Lanes.I, data, cell(o, c, 0), LE);
                int xc = xo + b * COLUMNS + 8 * c;
                p0 = v.lanewise(VectorOperators.LSHL, 19).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc]), p0);
                p1 = v.lanewise(VectorOperators.LSHL, 15).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 1]), p1);
                p2 = v.lanewise(VectorOperators.LSHL, 11).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 2]), p2);
                p3 = v.lanewise(VectorOperators.LSHL, 7).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 3]), p3);
                p0 = v.lanewise(VectorOperators.LSHL, 3).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 4]), p0);
                p1 = v.lanewise(VectorOperators.LSHR, 1).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 5]), p1);
                p2 = v.lanewise(VectorOperators.LSHR, 5).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 6]), p2);
                p3 = v.lanewise(VectorOperators.LSHR, 9).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 7]), p3);
            }
            acc = p0.add(p1).add(p2.add(p3)).fma(FloatVector.fromMemorySegment(Lanes.F, data, o, LE), acc);
            mins = FloatVector.fromMemorySegment(Lanes.F, data, o + 4L * G, LE).fma(negSum, mins);
        }
        return acc.add(mins);
    }

    @Override
    protected void decodeGroupBlock(long go, int b, float[] dst, int stride, int offset) {
        long o = go + (long) b * groupBlockBytes;
        // d · scale · q − dmin · min with one rounding after the exact product: the plain decoder's float.
        FloatVector d = FloatVector.fromMemorySegment(Lanes.F, data, o, LE).mul(1f / 16), negMin = FloatVector.fromMemorySegment(Lanes.F, data, o + 4L * G, LE).neg();
        for (int c = 0; c < 4; c++) {
            IntVector v = IntVector.fromMemorySegment(Lanes.I, data, cell(o, c, 0), LE);
            int at = (b * COLUMNS + 8 * c) * stride + offset;
            for (int s = 0; s < 8; s++) {
                FloatVector q = (FloatVector) v.lanewise(VectorOperators.LSHR, 4 * s).and(0xF).convert(VectorOperators.I2F, 0);
                q.fma(d, negMin).intoArray(dst, at + s * stride);
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        long go = groupOffset(row / G);
        int lane = row % G;
        for (int b = 0; b < blocks; b++) {
            long o = go + (long) b * groupBlockBytes;
            float d = data.get(Bytes.FLOAT, o + 4L * lane) / 16, min = data.get(Bytes.FLOAT, o + 4L * (G + lane));
            for (int c = 0; c < 4; c++) {
                int packed = data.get(Bytes.INT, cell(o, c, lane));
                for (int s = 0; s < 8; s++) dst[dstOff + b * COLUMNS + 8 * c + s] = d * ((packed >>> (4 * s)) & 0xF) - min;
            }
        }
    }
}
