package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q5_0: blocks of 32 = f16 scale d, u32 qh (bit i = fifth bit of value i), 16 nibble bytes (as Q4_0);
 * value = d · ((nibble | fifth bit · 16) − 16).
 */
public final class Q5_0MatVec extends MatVec {
    private static final int BLOCK = 32, BYTES = 22;

    Q5_0MatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q5_0, data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        if (!Lanes.BYTES) return dotByDequantizing(row, x, xOff);
        long base = row * rowBytes;
        byte[] high = FifthBits.scratch();
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / BLOCK; b++) {
            long o = base + (long) b * BYTES;
            float d = f16ToFloat(o);
            FifthBits.spread(data.get(Bytes.INT, o + 2), high);
            int xo = xOff + b * BLOCK;
            FloatVector sum = FloatVector.zero(Lanes.F);
            for (int j = 0; j < 16; j += Lanes.L) {
                ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 6 + j, Bytes.LE);
                ByteVector lo = q.and((byte) 0xF).or(ByteVector.fromArray(Lanes.B, high, j)).sub((byte) 16);
                ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).or(ByteVector.fromArray(Lanes.B, high, 16 + j)).sub((byte) 16);
                sum = ((FloatVector) lo.convertShape(VectorOperators.B2F, Lanes.F, 0)).fma(FloatVector.fromArray(Lanes.F, x, xo + j), sum);
                sum = ((FloatVector) hi.convertShape(VectorOperators.B2F, Lanes.F, 0)).fma(FloatVector.fromArray(Lanes.F, x, xo + 16 + j), sum);
            }
            acc = sum.fma(FloatVector.broadcast(Lanes.F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeBlock(long o, float[] y, int yo) {
        float d = f16ToFloat(o);
        byte[] high = FifthBits.scratch();
        FifthBits.spread(data.get(Bytes.INT, o + 2), high);
        for (int j = 0; j < 16; j += Lanes.L) {
            ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 6 + j, Bytes.LE);
            ByteVector lo = q.and((byte) 0xF).or(ByteVector.fromArray(Lanes.B, high, j)).sub((byte) 16);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).or(ByteVector.fromArray(Lanes.B, high, 16 + j)).sub((byte) 16);
            ((FloatVector) lo.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(d).intoArray(y, yo + j);
            ((FloatVector) hi.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(d).intoArray(y, yo + 16 + j);
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
            float d = f16ToFloat(o);
            int qh = data.get(Bytes.INT, o + 2);
            int y = dstOff + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int q = data.get(Bytes.BYTE, o + 6 + j) & 0xFF;
                dst[y + j] = d * (((q & 0xF) | ((qh >>> j & 1) << 4)) - 16);
                dst[y + j + 16] = d * (((q >>> 4) | ((qh >>> (j + 16) & 1) << 4)) - 16);
            }
        }
    }
}
