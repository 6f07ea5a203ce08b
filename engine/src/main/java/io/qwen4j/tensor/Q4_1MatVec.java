package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** Q4_1: blocks of 32 = f16 scale d, f16 offset m, 16 nibble bytes (as Q4_0); value = d · nibble + m. */
public final class Q4_1MatVec extends MatVec {
    private static final int BLOCK = 32, BYTES = 20;

    Q4_1MatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_1, data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        if (!Lanes.BYTES) return dotByDequantizing(row, x, xOff);
        long base = row * rowBytes;
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / BLOCK; b++) {
            long o = base + (long) b * BYTES;
            FloatVector d = FloatVector.broadcast(Lanes.F, f16ToFloat(o));
            FloatVector m = FloatVector.broadcast(Lanes.F, f16ToFloat(o + 2));
            int xo = xOff + b * BLOCK;
            for (int j = 0; j < 16; j += Lanes.L) {
                ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 4 + j, Bytes.LE);
                FloatVector lo = (FloatVector) q.and((byte) 0xF).convertShape(VectorOperators.B2F, Lanes.F, 0);
                FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.B2F, Lanes.F, 0);
                acc = lo.fma(d, m).fma(FloatVector.fromArray(Lanes.F, x, xo + j), acc);
                acc = hi.fma(d, m).fma(FloatVector.fromArray(Lanes.F, x, xo + 16 + j), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeBlock(long o, float[] y, int yo) {
        float d = f16ToFloat(o), m = f16ToFloat(o + 2);
        for (int j = 0; j < 16; j += Lanes.L) {
            ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 4 + j, Bytes.LE);
            ((FloatVector) q.and((byte) 0xF).convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(d).add(m).intoArray(y, yo + j);
            ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(d).add(m).intoArray(y, yo + 16 + j);
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
            int y = dstOff + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int q = data.get(Bytes.BYTE, o + 4 + j) & 0xFF;
                dst[y + j] = d * (q & 0xF) + m;
                dst[y + j + 16] = d * (q >>> 4) + m;
            }
        }
    }
}
