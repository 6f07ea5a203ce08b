package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q4_0 ({@code d · (q − 8)}, 4-bit q) interleaved by {@link InterleavedMatVec}: cell {@code (c, r)} holds the
 * nibbles of columns {@code 8c .. 8c + 7} of row r, column {@code 8c + s} in bits {@code 4s .. 4s + 3}.
 *
 * <p>A nibble shifted to the top of a float's mantissa and OR-ed with 1.0's bits is the float {@code 1 + q/16}
 * (one shift and one merged and/or per 16 weights, no integer-to-float conversion). Summed against the
 * activations from a start of {@code −1.5 · Σx} over the block, that gives {@code Σ (q − 8) · x / 16}.
 */
public final class InterleavedQ4_0MatVec extends InterleavedMatVec {
    private static final int MANTISSA_TOP = 0x00780000;
    private static final int[] MASKS = lanesOf(MANTISSA_TOP);

    InterleavedQ4_0MatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_0, data, rows, cols, 2 * G);
    }

    private static final int BLOCK = 32;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }


    @Override
    protected void interleaveGroup(MemorySegment src, long go) {
        for (int b = 0; b < blocks; b++) {
            long o = go + (long) b * groupBlockBytes;
            for (int r = 0; r < G; r++) {
                int q = r * (int) rowBytes + b * 18;
                data.set(Bytes.SHORT, o + 2L * r, src.get(Bytes.SHORT, q));
                // Columns 0-15 are the low nibbles of the 16 bytes, 16-31 the high ones.
                for (int c = 0; c < 4; c++) data.set(Bytes.INT, cell(o, c, r), nibbles(src, q + 2 + 8 * (c % 2), c >= 2));
            }
        }
    }

    @Override
    protected void blockSums(float[] x, int xo, float[] sums, int so) {
        startValues(x, xo, sums, so, -1.5f);
    }

    // The kernels below are written out without helper methods: a vector helper that C2 compiles on its own first
    // is later too big to inline, and its vectors are then boxed (two orders of magnitude slower).

    @Override
    protected FloatVector groupDot(long go, float[] x, int xo, float[] sums, int so) {
        IntVector m = IntVector.fromArray(Lanes.I, MASKS, 0), one = IntVector.fromArray(Lanes.I, ONES, 0);
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < blocks; b++) {
            long o = go + (long) b * groupBlockBytes;
            int xb = xo + b * BLOCK;
            FloatVector p0 = FloatVector.broadcast(Lanes.F, sums[so + b]), p1 = FloatVector.zero(Lanes.F), p2 = p1, p3 = p1;
            for (int c = 0; c < 4; c++) {
                // Shifting nibble s of each cell to bits 19-22 (the mantissa's top) and OR-ing 1.0: 1 + q/16.
                IntVector v = IntVector.fromMemorySegment(Lanes.I, data, cell(o, c, 0), LE);
                int xc = xb + 8 * c;
                p0 = v.lanewise(VectorOperators.LSHL, 19).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc]), p0);
                p1 = v.lanewise(VectorOperators.LSHL, 15).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 1]), p1);
                p2 = v.lanewise(VectorOperators.LSHL, 11).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 2]), p2);
                p3 = v.lanewise(VectorOperators.LSHL, 7).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 3]), p3);
                p0 = v.lanewise(VectorOperators.LSHL, 3).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 4]), p0);
                p1 = v.lanewise(VectorOperators.LSHR, 1).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 5]), p1);
                p2 = v.lanewise(VectorOperators.LSHR, 5).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 6]), p2);
                p3 = v.lanewise(VectorOperators.LSHR, 9).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 7]), p3);
            }
            // The block's scales, half to float inline (as HalfFloat.f16ToFloatFinite; a scale of inf/NaN, which
            // no working model has, comes out finite here)
            IntVector h = (IntVector) ShortVector.fromMemorySegment(Lanes.S, data, o, LE).convertShape(VectorOperators.S2I, Lanes.I, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            acc = p0.add(p1).add(p2.add(p3)).fma(d, acc);
        }
        return acc.mul(16f);
    }

    @Override
    protected void decodeGroupBlock(long go, int b, float[] dst, int stride, int offset) {
        IntVector m = IntVector.fromArray(Lanes.I, MASKS, 0), one = IntVector.fromArray(Lanes.I, ONES, 0);
        long o = go + (long) b * groupBlockBytes;
        IntVector h = (IntVector) ShortVector.fromMemorySegment(Lanes.S, data, o, LE).convertShape(VectorOperators.S2I, Lanes.I, 0);
        FloatVector d = h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
        // (1 + q/16) · 16d − 24d is d · (q − 8) exactly, rounded once: the same float as the plain decoder's.
        FloatVector d16 = d.mul(16f), dm24 = d.mul(-24f);
        for (int c = 0; c < 4; c++) {
            IntVector v = IntVector.fromMemorySegment(Lanes.I, data, cell(o, c, 0), LE);
            int at = (b * BLOCK + 8 * c) * stride + offset;
            for (int s = 0; s < 8; s++) {
                FloatVector f = v.lanewise(VectorOperators.ROL, (19 - 4 * s) & 31).and(m).or(one).reinterpretAsFloats();
                f.fma(d16, dm24).intoArray(dst, at + s * stride);
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        long go = groupOffset(row / G);
        int lane = row % G;
        for (int b = 0; b < blocks; b++) {
            long o = go + (long) b * groupBlockBytes;
            float d = Float.float16ToFloat(data.get(Bytes.SHORT, o + 2L * lane));
            for (int c = 0; c < 4; c++) {
                int packed = data.get(Bytes.INT, cell(o, c, lane));
                for (int s = 0; s < 8; s++) dst[dstOff + b * BLOCK + 8 * c + s] = d * (((packed >>> (4 * s)) & 0xF) - 8);
            }
        }
    }
}
