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
        if (Lanes.BYTES && cols % Lanes.L == 0) {
            // The 4-op conversion (1.5x the exact one's rate from DRAM, near the memory's); a row with an inf or
            // NaN, which no real weight has, is redone exactly. One accumulator, as MatVec.dot over a decoded
            // row: decode (fused) and prefill (tiled) then give the same bits for the same row.
            long base = row * rowBytes;
            FloatVector acc = FloatVector.zero(Lanes.F);
            ShortVector top = ShortVector.zero(Lanes.S);
            for (int i = 0; i < cols; i += Lanes.L) {
                ShortVector h = ShortVector.fromMemorySegment(Lanes.S, data, base + 2L * i, Bytes.LE);
                top = HalfFloat.maxMagnitude(top, h);
                acc = HalfFloat.f16ToFloatFinite(h).fma(FloatVector.fromArray(Lanes.F, x, xOff + i), acc);
            }
            if (!HalfFloat.hasInfOrNaN(top)) return acc.reduceLanes(VectorOperators.ADD);
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
        if (Lanes.BYTES && cols % Lanes.L == 0 && HalfFloat.f16ToFloatsFinite(data, row * rowBytes, cols, dst, dstOff) == cols) return;
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
