package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** F32 weights: little-endian floats. */
public final class F32MatVec extends MatVec {

    F32MatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.F32, data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        long base = row * rowBytes;
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0;
        int i = 0, step = 2 * Lanes.L;
        for (; i + step <= cols; i += step) {
            FloatVector w0 = FloatVector.fromMemorySegment(Lanes.F, data, base + 4L * i, Bytes.LE);
            FloatVector w1 = FloatVector.fromMemorySegment(Lanes.F, data, base + 4L * (i + Lanes.L), Bytes.LE);
            acc0 = w0.fma(FloatVector.fromArray(Lanes.F, x, xOff + i), acc0);
            acc1 = w1.fma(FloatVector.fromArray(Lanes.F, x, xOff + i + Lanes.L), acc1);
        }
        float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) s += data.get(Bytes.FLOAT, base + 4L * i) * x[xOff + i];
        return s;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        MemorySegment.copy(data, Bytes.FLOAT, row * rowBytes, dst, dstOff, cols);
    }
}
