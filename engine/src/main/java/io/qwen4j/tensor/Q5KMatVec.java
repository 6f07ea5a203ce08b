package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q5_K: super-blocks of 256 = f16 d, f16 dmin, 12 scale/min bytes (as Q4_K), 32 bytes qh, 128 nibble
 * bytes. Value l of sub-block pair j takes its fifth bit from bit 2j (low half) or 2j + 1 (high half)
 * of qh[l]. value = d · scale · q − dmin · min.
 */
public final class Q5KMatVec extends MatVec {
    private static final int BLOCK = 256, BYTES = 176;

    Q5KMatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q5_K, data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        if (!Lanes.BYTES) return dotByDequantizing(row, x, xOff);
        long base = row * rowBytes;
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / BLOCK; b++) {
            long o = base + (long) b * BYTES;
            float d = f16ToFloat(o), dmin = f16ToFloat(o + 2);
            for (int j = 0; j < 4; j++) {
                FloatVector d1 = FloatVector.broadcast(Lanes.F, d * Q4KMatVec.scale(data, o + 4, 2 * j));
                FloatVector m1 = FloatVector.broadcast(Lanes.F, -dmin * Q4KMatVec.min(data, o + 4, 2 * j));
                FloatVector d2 = FloatVector.broadcast(Lanes.F, d * Q4KMatVec.scale(data, o + 4, 2 * j + 1));
                FloatVector m2 = FloatVector.broadcast(Lanes.F, -dmin * Q4KMatVec.min(data, o + 4, 2 * j + 1));
                int xo = xOff + b * BLOCK + 64 * j;
                for (int l = 0; l < 32; l += Lanes.L) {
                    ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 48 + 32 * j + l, Bytes.LE);
                    ByteVector h = ByteVector.fromMemorySegment(Lanes.B, data, o + 16 + l, Bytes.LE);
                    ByteVector lo = q.and((byte) 0xF).or(h.lanewise(VectorOperators.LSHR, 2 * j).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 2 * j + 1).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                    FloatVector lf = (FloatVector) lo.convertShape(VectorOperators.B2F, Lanes.F, 0);
                    FloatVector hf = (FloatVector) hi.convertShape(VectorOperators.B2F, Lanes.F, 0);
                    acc = lf.fma(d1, m1).fma(FloatVector.fromArray(Lanes.F, x, xo + l), acc);
                    acc = hf.fma(d2, m2).fma(FloatVector.fromArray(Lanes.F, x, xo + 32 + l), acc);
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeBlock(long o, float[] y, int yo) {
        float d = f16ToFloat(o), dmin = f16ToFloat(o + 2);
        for (int j = 0; j < 4; j++) {
            float d1 = d * Q4KMatVec.scale(data, o + 4, 2 * j), m1 = dmin * Q4KMatVec.min(data, o + 4, 2 * j);
            float d2 = d * Q4KMatVec.scale(data, o + 4, 2 * j + 1), m2 = dmin * Q4KMatVec.min(data, o + 4, 2 * j + 1);
            for (int l = 0; l < 32; l += Lanes.L) {
                ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 48 + 32 * j + l, Bytes.LE);
                ByteVector h = ByteVector.fromMemorySegment(Lanes.B, data, o + 16 + l, Bytes.LE);
                ByteVector lo = q.and((byte) 0xF).or(h.lanewise(VectorOperators.LSHR, 2 * j).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 2 * j + 1).and((byte) 1).lanewise(VectorOperators.LSHL, 4));
                ((FloatVector) lo.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(d1).sub(m1).intoArray(y, yo + 64 * j + l);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(d2).sub(m2).intoArray(y, yo + 64 * j + 32 + l);
            }
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
            float d = f16ToFloat(o), dmin = f16ToFloat(o + 2);
            for (int j = 0; j < 4; j++) {
                float d1 = d * Q4KMatVec.scale(data, o + 4, 2 * j), m1 = dmin * Q4KMatVec.min(data, o + 4, 2 * j);
                float d2 = d * Q4KMatVec.scale(data, o + 4, 2 * j + 1), m2 = dmin * Q4KMatVec.min(data, o + 4, 2 * j + 1);
                int y = dstOff + b * BLOCK + 64 * j;
                for (int l = 0; l < 32; l++) {
                    int q = data.get(Bytes.BYTE, o + 48 + 32 * j + l) & 0xFF;
                    int h = data.get(Bytes.BYTE, o + 16 + l) & 0xFF;
                    dst[y + l] = d1 * ((q & 0xF) | ((h >>> (2 * j) & 1) << 4)) - m1;
                    dst[y + 32 + l] = d2 * ((q >>> 4) | ((h >>> (2 * j + 1) & 1) << 4)) - m2;
                }
            }
        }
    }
}
