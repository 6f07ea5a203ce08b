package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * F16 interleaved by {@link InterleavedMatVec}: cell {@code (c, r)} holds columns {@code 2c} (low half) and
 * {@code 2c + 1} (high half) of row r, in blocks of 32 columns (16 cells). A half moved to the top of the int
 * and shifted right by 3 arithmetically has its exponent and mantissa where a float's go; masking the sign's
 * copies and multiplying by 2^112 rebiases it ({@link HalfFloat#f16ToFloatFinite}'s conversion, exact for every
 * finite half). Only matrices without inf/NaN halves are interleaved ({@link #finite}).
 */
public final class InterleavedF16MatVec extends InterleavedMatVec {
    private static final int FLOAT_BITS = 0x8FFFE000;

    InterleavedF16MatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.F16, data, rows, cols, 0);
    }

    private static final int BLOCK = 32;

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    /** Whether the {@code n} halves at the start of {@code data} are all finite. */
    static boolean finite(MemorySegment data, long n) {
        ShortVector top = ShortVector.zero(Lanes.S);
        long i = 0;
        for (; i + Lanes.L <= n; i += Lanes.L) top = HalfFloat.maxMagnitude(top, ShortVector.fromMemorySegment(Lanes.S, data, 2 * i, LE));
        boolean finite = !HalfFloat.hasInfOrNaN(top);
        for (; i < n; i++) finite &= (data.get(Bytes.SHORT, 2 * i) & 0x7C00) != 0x7C00;
        return finite;
    }


    @Override
    protected void interleaveGroup(MemorySegment src, long go) {
        for (int b = 0; b < blocks; b++) {
            long o = go + (long) b * groupBlockBytes;
            for (int r = 0; r < G; r++) {
                int at = r * (int) rowBytes + b * 2 * BLOCK;
                for (int c = 0; c < BLOCK / 2; c++) data.set(Bytes.INT, cell(o, c, r), src.get(Bytes.INT, at + 4 * c));
            }
        }
    }

    // Written out without helper methods, for the reason given in InterleavedQ4_0MatVec.

    @Override
    protected FloatVector groupDot(long go, float[] x, int xo, float[] sums, int so) {
        FloatVector p0 = FloatVector.zero(Lanes.F), p1 = p0, p2 = p0, p3 = p0;
        for (int b = 0; b < blocks; b++) {
            long o = go + (long) b * groupBlockBytes;
            for (int c = 0; c < BLOCK / 2; c += 2) {
                IntVector v = IntVector.fromMemorySegment(Lanes.I, data, cell(o, c, 0), LE);
                IntVector w = IntVector.fromMemorySegment(Lanes.I, data, cell(o, c + 1, 0), LE);
                int xc = xo + b * BLOCK + 2 * c;
                p0 = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(FLOAT_BITS).reinterpretAsFloats().mul(0x1p112f)
                        .fma(FloatVector.broadcast(Lanes.F, x[xc]), p0);
                p1 = v.lanewise(VectorOperators.ASHR, 3).and(FLOAT_BITS).reinterpretAsFloats().mul(0x1p112f)
                        .fma(FloatVector.broadcast(Lanes.F, x[xc + 1]), p1);
                p2 = w.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(FLOAT_BITS).reinterpretAsFloats().mul(0x1p112f)
                        .fma(FloatVector.broadcast(Lanes.F, x[xc + 2]), p2);
                p3 = w.lanewise(VectorOperators.ASHR, 3).and(FLOAT_BITS).reinterpretAsFloats().mul(0x1p112f)
                        .fma(FloatVector.broadcast(Lanes.F, x[xc + 3]), p3);
            }
        }
        return p0.add(p1).add(p2.add(p3));
    }

    @Override
    protected void decodeGroupBlock(long go, int b, float[] dst, int stride, int offset) {
        long o = go + (long) b * groupBlockBytes;
        for (int c = 0; c < BLOCK / 2; c++) {
            IntVector v = IntVector.fromMemorySegment(Lanes.I, data, cell(o, c, 0), LE);
            int at = (b * BLOCK + 2 * c) * stride + offset;
            v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(FLOAT_BITS).reinterpretAsFloats().mul(0x1p112f).intoArray(dst, at);
            v.lanewise(VectorOperators.ASHR, 3).and(FLOAT_BITS).reinterpretAsFloats().mul(0x1p112f).intoArray(dst, at + stride);
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        long go = groupOffset(row / G);
        int lane = row % G;
        for (int b = 0; b < blocks; b++) {
            long o = go + (long) b * groupBlockBytes;
            for (int c = 0; c < BLOCK / 2; c++) {
                int packed = data.get(Bytes.INT, cell(o, c, lane));
                dst[dstOff + b * BLOCK + 2 * c] = Float.float16ToFloat((short) packed);
                dst[dstOff + b * BLOCK + 2 * c + 1] = Float.float16ToFloat((short) (packed >>> 16));
            }
        }
    }
}
