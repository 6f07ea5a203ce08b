package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** Q5_1: blocks of 32 = f16 d, f16 m, u32 qh, 16 nibble bytes (as Q5_0); value = d · (nibble | fifth bit · 16) + m. */
public final class Q5_1MatVec extends MatVec {
    private static final int BLOCK = 32, BYTES = 24;

    Q5_1MatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q5_1, data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        if (!Lanes.BYTES) return dotByDequantizing(row, x, xOff);
        long base = row * rowBytes;
        byte[] high = FifthBits.scratch();
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / BLOCK; b++) {
            long o = base + (long) b * BYTES;
            FloatVector d = FloatVector.broadcast(Lanes.F, f16ToFloat(o));
            FloatVector m = FloatVector.broadcast(Lanes.F, f16ToFloat(o + 2));
            FifthBits.spread(data.get(Bytes.INT, o + 4), high);
            int xo = xOff + b * BLOCK;
            for (int j = 0; j < 16; j += Lanes.L) {
                ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 8 + j, Bytes.LE);
                ByteVector lo = q.and((byte) 0xF).or(ByteVector.fromArray(Lanes.B, high, j));
                ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).or(ByteVector.fromArray(Lanes.B, high, 16 + j));
                FloatVector lf = (FloatVector) lo.convertShape(VectorOperators.B2F, Lanes.F, 0);
                FloatVector hf = (FloatVector) hi.convertShape(VectorOperators.B2F, Lanes.F, 0);
                acc = lf.fma(d, m).fma(FloatVector.fromArray(Lanes.F, x, xo + j), acc);
                acc = hf.fma(d, m).fma(FloatVector.fromArray(Lanes.F, x, xo + 16 + j), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeBlock(long o, float[] y, int yo) {
        float d = f16ToFloat(o), m = f16ToFloat(o + 2);
        byte[] high = FifthBits.scratch();
        FifthBits.spread(data.get(Bytes.INT, o + 4), high);
        for (int j = 0; j < 16; j += Lanes.L) {
            ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 8 + j, Bytes.LE);
            ByteVector lo = q.and((byte) 0xF).or(ByteVector.fromArray(Lanes.B, high, j));
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).or(ByteVector.fromArray(Lanes.B, high, 16 + j));
            ((FloatVector) lo.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(d).add(m).intoArray(y, yo + j);
            ((FloatVector) hi.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(d).add(m).intoArray(y, yo + 16 + j);
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        if (Lanes.BYTES) {
            dequantizeRowDecoded(row, dst, dstOff);
            return;
        }
        long base = row * rowBytes;
        for (int b = 0; b < cols / BLOCK; b++) {
            long o = base + (long) b * BYTES;
            float d = f16ToFloat(o), m = f16ToFloat(o + 2);
            int qh = data.get(Bytes.INT, o + 4);
            int y = dstOff + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int q = data.get(Bytes.BYTE, o + 8 + j) & 0xFF;
                dst[y + j] = d * ((q & 0xF) | ((qh >>> j & 1) << 4)) + m;
                dst[y + j + 16] = d * ((q >>> 4) | ((qh >>> (j + 16) & 1) << 4)) + m;
            }
        }
    }
}
