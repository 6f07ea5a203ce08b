package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** Q8_0: blocks of 32 values = f16 scale d, then 32 int8 q; value = d · q. */
public final class Q8_0MatVec extends MatVec {
    private static final int BLOCK = 32, BYTES = 34;

    Q8_0MatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q8_0, data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        if (!Lanes.BYTES) return dotByDequantizing(row, x, xOff);
        long base = row * rowBytes;
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / BLOCK; b++) {
            long o = base + (long) b * BYTES;
            float d = f16ToFloat(o);
            int xo = xOff + b * BLOCK;
            FloatVector sum = FloatVector.zero(Lanes.F);
            for (int j = 0; j < BLOCK; j += Lanes.L) {
                ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 2 + j, Bytes.LE);
                FloatVector qf = (FloatVector) q.convertShape(VectorOperators.B2F, Lanes.F, 0);
                sum = qf.fma(FloatVector.fromArray(Lanes.F, x, xo + j), sum);
            }
            acc = sum.fma(FloatVector.broadcast(Lanes.F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeBlock(long o, float[] y, int yo) {
        float d = f16ToFloat(o);
        for (int j = 0; j < BLOCK; j += Lanes.L) {
            ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 2 + j, Bytes.LE);
            ((FloatVector) q.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(d).intoArray(y, yo + j);
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
            for (int j = 0; j < BLOCK; j++) dst[dstOff + b * BLOCK + j] = d * data.get(Bytes.BYTE, o + 2 + j);
        }
    }
}
