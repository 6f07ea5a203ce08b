package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q8_0 ({@code d · q}, int8 q) interleaved by {@link InterleavedMatVec}: cell {@code (c, r)} holds columns
 * {@code 4c .. 4c + 3} of row r, column {@code 4c + k} in byte k. Shifting byte k to the top of the int and
 * back (arithmetically) sign-extends it in place; converted to float, it multiplies its column's activation.
 */
public final class InterleavedQ8_0MatVec extends InterleavedMatVec {

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
                for (int c = 0; c < 8; c++) data.set(Bytes.INT, cell(o, c, r), src.get(Bytes.INT, q + 2 + 4 * c));
            }
        }
    }

    // Written out without helper methods, for the reason given in InterleavedQ4_0MatVec.

    @Override
    protected FloatVector groupDot(long go, float[] x, int xo, float[] sums, int so) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < blocks; b++) {
            long o = go + (long) b * groupBlockBytes;
            FloatVector p0 = FloatVector.zero(Lanes.F), p1 = p0, p2 = p0, p3 = p0;
            for (int c = 0; c < 8; c++) {
                // Byte k of each cell shifted to the top and back, arithmetically: the int8 sign-extended in place.
                IntVector v = IntVector.fromMemorySegment(Lanes.I, data, cell(o, c, 0), LE);
                int xc = xo + b * BLOCK + 4 * c;
                p0 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes.F, x[xc]), p0);
                p1 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes.F, x[xc + 1]), p1);
                p2 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes.F, x[xc + 2]), p2);
                p3 = ((FloatVector) v.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(Lanes.F, x[xc + 3]), p3);
            }
            // The block's scales, half to float inline (as HalfFloat.f16ToFloatFinite; a scale of inf/NaN, which
            // no working model has, comes out finite here)
            IntVector h = (IntVector) ShortVector.fromMemorySegment(Lanes.S, data, o, LE).convertShape(VectorOperators.S2I, Lanes.I, 0);
            FloatVector d = h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
            acc = p0.add(p1).add(p2.add(p3)).fma(d, acc);
        }
        return acc;
    }

    @Override
    protected void decodeGroupBlock(long go, int b, float[] dst, int stride, int offset) {
        long o = go + (long) b * groupBlockBytes;
        IntVector h = (IntVector) ShortVector.fromMemorySegment(Lanes.S, data, o, LE).convertShape(VectorOperators.S2I, Lanes.I, 0);
        FloatVector d = h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
        for (int c = 0; c < 8; c++) {
            IntVector v = IntVector.fromMemorySegment(Lanes.I, data, cell(o, c, 0), LE);
            int at = (b * BLOCK + 4 * c) * stride + offset;
            for (int k = 0; k < 4; k++) {
                IntVector t = v.lanewise(VectorOperators.LSHL, 24 - 8 * k).lanewise(VectorOperators.ASHR, 24);
                ((FloatVector) t.convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, at + k * stride);
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
                for (int k = 0; k < 4; k++) dst[dstOff + b * BLOCK + 4 * c + k] = d * (byte) (packed >>> (8 * k));
            }
        }
    }
}
