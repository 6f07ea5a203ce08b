package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q4_K: super-blocks of 256 = f16 d, f16 dmin, 12 bytes of packed 6-bit (scale, min) pairs for 8
 * sub-blocks of 32, 128 nibble bytes. Sub-blocks go in pairs over 32 bytes: low nibbles are sub-block
 * 2j, high nibbles 2j + 1. value = d · scale · nibble − dmin · min.
 */
public final class Q4KMatVec extends MatVec {
    private static final int BLOCK = 256, BYTES = 144;

    Q4KMatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_K, data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    /** The 6-bit scale (j < 8) of sub-block j from the 12 packed bytes at {@code s}. */
    static int scale(MemorySegment data, long s, int j) {
        if (j < 4) return data.get(Bytes.BYTE, s + j) & 63;
        return (data.get(Bytes.BYTE, s + j + 4) & 0xF) | ((data.get(Bytes.BYTE, s + j - 4) & 0xFF) >>> 6 << 4);
    }

    /** The 6-bit min of sub-block j. */
    static int min(MemorySegment data, long s, int j) {
        if (j < 4) return data.get(Bytes.BYTE, s + j + 4) & 63;
        return ((data.get(Bytes.BYTE, s + j + 4) & 0xFF) >>> 4) | ((data.get(Bytes.BYTE, s + j) & 0xFF) >>> 6 << 4);
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
                FloatVector d1 = FloatVector.broadcast(Lanes.F, d * scale(data, o + 4, 2 * j));
                FloatVector m1 = FloatVector.broadcast(Lanes.F, -dmin * min(data, o + 4, 2 * j));
                FloatVector d2 = FloatVector.broadcast(Lanes.F, d * scale(data, o + 4, 2 * j + 1));
                FloatVector m2 = FloatVector.broadcast(Lanes.F, -dmin * min(data, o + 4, 2 * j + 1));
                int xo = xOff + b * BLOCK + 64 * j;
                for (int l = 0; l < 32; l += Lanes.L) {
                    ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 16 + 32 * j + l, Bytes.LE);
                    FloatVector lo = (FloatVector) q.and((byte) 0xF).convertShape(VectorOperators.B2F, Lanes.F, 0);
                    FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.B2F, Lanes.F, 0);
                    acc = lo.fma(d1, m1).fma(FloatVector.fromArray(Lanes.F, x, xo + l), acc);
                    acc = hi.fma(d2, m2).fma(FloatVector.fromArray(Lanes.F, x, xo + 32 + l), acc);
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeBlock(long o, float[] y, int yo) {
        float d = f16ToFloat(o), dmin = f16ToFloat(o + 2);
        for (int j = 0; j < 4; j++) {
            float d1 = d * scale(data, o + 4, 2 * j), m1 = dmin * min(data, o + 4, 2 * j);
            float d2 = d * scale(data, o + 4, 2 * j + 1), m2 = dmin * min(data, o + 4, 2 * j + 1);
            for (int l = 0; l < 32; l += Lanes.L) {
                ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 16 + 32 * j + l, Bytes.LE);
                ((FloatVector) q.and((byte) 0xF).convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(d1).sub(m1).intoArray(y, yo + 64 * j + l);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(d2).sub(m2).intoArray(y, yo + 64 * j + 32 + l);
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
                float d1 = d * scale(data, o + 4, 2 * j), m1 = dmin * min(data, o + 4, 2 * j);
                float d2 = d * scale(data, o + 4, 2 * j + 1), m2 = dmin * min(data, o + 4, 2 * j + 1);
                int y = dstOff + b * BLOCK + 64 * j;
                for (int l = 0; l < 32; l++) {
                    int q = data.get(Bytes.BYTE, o + 16 + 32 * j + l) & 0xFF;
                    dst[y + l] = d1 * (q & 0xF) - m1;
                    dst[y + 32 + l] = d2 * (q >>> 4) - m2;
                }
            }
        }
    }
}
