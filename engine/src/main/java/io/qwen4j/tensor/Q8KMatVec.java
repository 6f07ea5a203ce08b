package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** Q8_K: super-blocks of 256 = f32 scale d, 256 int8 q, 16 int16 block sums (unused here); value = d · q. */
public final class Q8KMatVec extends MatVec {
    private static final int BLOCK = 256, BYTES = 292;

    Q8KMatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q8_K, data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_K;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        if (!Lanes.BYTES) return dotByDequantizing(row, x, xOff);
        long base = row * rowBytes;
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / BLOCK; b++) {
            long o = base + (long) b * BYTES;
            float d = data.get(Bytes.FLOAT, o);
            int xo = xOff + b * BLOCK;
            FloatVector sum = FloatVector.zero(Lanes.F);
            for (int j = 0; j < BLOCK; j += Lanes.L) {
                ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 4 + j, Bytes.LE);
                sum = ((FloatVector) q.convertShape(VectorOperators.B2F, Lanes.F, 0)).fma(FloatVector.fromArray(Lanes.F, x, xo + j), sum);
            }
            acc = sum.fma(FloatVector.broadcast(Lanes.F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeBlock(long o, float[] y, int yo) {
        float d = data.get(Bytes.FLOAT, o);
        for (int j = 0; j < BLOCK; j += Lanes.L) {
            ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 4 + j, Bytes.LE);
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
            float d = data.get(Bytes.FLOAT, o);
            for (int j = 0; j < BLOCK; j++) dst[dstOff + b * BLOCK + j] = d * data.get(Bytes.BYTE, o + 4 + j);
        }
    }
}
