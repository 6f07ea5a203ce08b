package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q8_0 ({@code d · q}, int8 q) interleaved by {@link InterleavedMatVec}: cell {@code (c, r)} holds columns
 * {@code 4c .. 4c + 3} of row r, column {@code 4c + k} in byte k, stored as {@code u = q + 128}.
 *
 * <p>Byte k shifted to the top eight bits of a float's mantissa and OR-ed with 1.0 is {@code 1 + u/256} (a shift
 * and one merged and/or per 16 weights, no sign extension or int-to-float conversion); summed from
 * {@code −1.5 · Σx} over the block that is {@code Σ q · x / 256}. Its sums round a little more than the plain
 * kernel's (relative ~1e-5 of a block's sum, far inside what 8-bit weights move a result).
 */
public final class InterleavedQ8_0MatVec extends InterleavedMatVec {
    private static final int MANTISSA_TOP = 0x007F8000;
    private static final int[] MASKS = lanesOf(MANTISSA_TOP);

    InterleavedQ8_0MatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q8_0, data, rows, cols, 2 * G);
    }

    private static final int BLOCK = 32;

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }


    @Override
    protected void interleaveGroup(MemorySegment src, long go) {
        for (int b = 0; b < blocks; b++) {
            long o = go + (long) b * groupBlockBytes;
            for (int r = 0; r < G; r++) {
                int q = r * (int) rowBytes + b * 34;
                data.set(Bytes.SHORT, o + 2L * r, src.get(Bytes.SHORT, q));
                for (int c = 0; c < 8; c++) data.set(Bytes.INT, cell(o, c, r), src.get(Bytes.INT, q + 2 + 4 * c) ^ 0x80808080);
            }
        }
    }

    // Written out without helper methods, for the reason given in InterleavedQ4_0MatVec.

    @Override
    protected void blockSums(float[] x, int xo, float[] sums, int so) {
        startValues(x, xo, sums, so, -1.5f);
    }

    @Override
    protected FloatVector groupDot(long go, float[] x, int xo, float[] sums, int so) {
        IntVector m = IntVector.fromArray(Lanes.I, MASKS, 0), one = IntVector.fromArray(Lanes.I, ONES, 0);
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < blocks; b++) {
            long o = go + (long) b * groupBlockBytes;
            FloatVector p0 = FloatVector.broadcast(Lanes.F, sums[so + b]), p1 = FloatVector.zero(Lanes.F), p2 = p1, p3 = p1;
            for (int c = 0; c < 8; c++) {
                // Byte k of each cell shifted to bits 15-22 (the mantissa's top eight) and OR-ed with 1.0: 1 + u/256.
                IntVector v = IntVector.fromMemorySegment(Lanes.I, data, cell(o, c, 0), LE);
                int xc = xo + b * BLOCK + 4 * c;
                p0 = v.lanewise(VectorOperators.LSHL, 15).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc]), p0);
                p1 = v.lanewise(VectorOperators.LSHL, 7).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 1]), p1);
                p2 = v.lanewise(VectorOperators.LSHR, 1).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 2]), p2);
                p3 = v.lanewise(VectorOperators.LSHR, 9).and(m).or(one).reinterpretAsFloats().fma(FloatVector.broadcast(Lanes.F, x[xc + 3]), p3);
            }
            // The block's scales, half to float inline (as HalfFloat.f16ToFloatFinite; a scale of inf/NaN, which
            // no working model has, comes out finite here)
            IntVector h = (IntVector) ShortVector.fromMemorySegment(Lanes.S, data, o, LE).convertShape(VectorOperators.S2I, Lanes.I, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            acc = p0.add(p1).add(p2.add(p3)).fma(d, acc);
        }
        return acc.mul(256f);
    }

    @Override
    protected void decodeGroupBlock(long go, int b, float[] dst, int stride, int offset) {
        IntVector m = IntVector.fromArray(Lanes.I, MASKS, 0), one = IntVector.fromArray(Lanes.I, ONES, 0);
        long o = go + (long) b * groupBlockBytes;
        IntVector h = (IntVector) ShortVector.fromMemorySegment(Lanes.S, data, o, LE).convertShape(VectorOperators.S2I, Lanes.I, 0);
        FloatVector d = h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
        // (1 + u/256) · 256d − 384d is d · q exactly (d has 11 significant bits), rounded once: the plain decoder's float.
        FloatVector d256 = d.mul(256f), dm384 = d.mul(-384f);
        for (int c = 0; c < 8; c++) {
            IntVector v = IntVector.fromMemorySegment(Lanes.I, data, cell(o, c, 0), LE);
            int at = (b * BLOCK + 4 * c) * stride + offset;
            for (int k = 0; k < 4; k++) {
                FloatVector f = v.lanewise(VectorOperators.ROL, (15 - 8 * k) & 31).and(m).or(one).reinterpretAsFloats();
                f.fma(d256, dm384).intoArray(dst, at + k * stride);
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
            for (int c = 0; c < 8; c++) {
                int packed = data.get(Bytes.INT, cell(o, c, lane));
                for (int k = 0; k < 4; k++) dst[dstOff + b * BLOCK + 4 * c + k] = d * (((packed >>> (8 * k)) & 0xFF) - 128);
            }
        }
    }
}
