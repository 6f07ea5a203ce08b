package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/** F16 weights: IEEE half floats, converted lane-wise. */
public final class F16MatVec extends MatVec {

    F16MatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.F16, data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        if (Lanes.BYTES && cols % (2 * Lanes.L) == 0) {
            // The 4-op conversion (1.5x the exact one's rate, near the memory's), two accumulators; a row with
            // an inf or NaN, which no real weight has, is redone exactly.
            long base = row * rowBytes;
            FloatVector a0 = FloatVector.zero(Lanes.F), a1 = a0;
            ShortVector top = ShortVector.zero(Lanes.S);
            for (int i = 0; i < cols; i += 2 * Lanes.L) {
                ShortVector h0 = ShortVector.fromMemorySegment(Lanes.S, data, base + 2L * i, Bytes.LE);
                ShortVector h1 = ShortVector.fromMemorySegment(Lanes.S, data, base + 2L * (i + Lanes.L), Bytes.LE);
                top = HalfFloat.maxMagnitude(HalfFloat.maxMagnitude(top, h0), h1);
                a0 = HalfFloat.f16ToFloatFinite(h0).fma(FloatVector.fromArray(Lanes.F, x, xOff + i), a0);
                a1 = HalfFloat.f16ToFloatFinite(h1).fma(FloatVector.fromArray(Lanes.F, x, xOff + i + Lanes.L), a1);
            }
            if (!HalfFloat.hasInfOrNaN(top)) return a0.add(a1).reduceLanes(VectorOperators.ADD);
        }
        return dotExact(row, x, xOff);
    }

    private float dotExact(int row, float[] x, int xOff) {
        long base = row * rowBytes;
        float s = 0;
        int i = 0;
        if (Lanes.BYTES) {
            FloatVector acc = FloatVector.zero(Lanes.F);
            for (; i + Lanes.L <= cols; i += Lanes.L) {
                ShortVector h = ShortVector.fromMemorySegment(Lanes.S, data, base + 2L * i, Bytes.LE);
                acc = HalfFloat.f16ToFloat(h).fma(FloatVector.fromArray(Lanes.F, x, xOff + i), acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < cols; i++) s += f16ToFloat(base + 2L * i) * x[xOff + i];
        return s;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        if (Lanes.BYTES && cols % Lanes.L == 0) {
            long base = row * rowBytes;
            ShortVector top = ShortVector.zero(Lanes.S);
            for (int i = 0; i < cols; i += Lanes.L) {
                ShortVector h = ShortVector.fromMemorySegment(Lanes.S, data, base + 2L * i, Bytes.LE);
                top = HalfFloat.maxMagnitude(top, h);
                HalfFloat.f16ToFloatFinite(h).intoArray(dst, dstOff + i);
            }
            if (!HalfFloat.hasInfOrNaN(top)) return;
        }
        dequantizeRowExact(row, dst, dstOff);
    }

    private void dequantizeRowExact(int row, float[] dst, int dstOff) {
        long base = row * rowBytes;
        int i = 0;
        if (Lanes.BYTES) {
            for (; i + Lanes.L <= cols; i += Lanes.L) {
                HalfFloat.f16ToFloat(ShortVector.fromMemorySegment(Lanes.S, data, base + 2L * i, Bytes.LE)).intoArray(dst, dstOff + i);
            }
        }
        for (; i < cols; i++) dst[dstOff + i] = f16ToFloat(base + 2L * i);
    }
}
