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
    private static final ThreadLocal<float[]> SCALES = ThreadLocal.withInitial(() -> new float[16]);

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
        float[] sm = SCALES.get();
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0;
        for (int b = 0; b < cols / BLOCK; b++) {
            long o = base + (long) b * BYTES;
            float d = f16ToFloat(o), negDmin = -f16ToFloat(o + 2);
            // The 8 (scale, min) pairs, cut from one long and one int read of the 12 packed bytes into a small
            // array before the vector loop (byte-by-byte reads through helper calls were 30 % slower). For
            // j < 4: scale = byte j & 63, min = byte j+4 & 63; for j >= 4: scale = low nibble of byte j+4 |
            // (byte j-4 >> 6) << 4, min = high nibble of byte j+4 | (byte j >> 6) << 4.
            long lo8 = data.get(Bytes.LONG, o + 4);
            long hi4 = data.get(Bytes.INT, o + 12) & 0xFFFFFFFFL;
            for (int j = 0; j < 4; j++) {
                long b8 = (hi4 >>> (8 * j)) & 0xFF;
                sm[j] = d * ((lo8 >>> (8 * j)) & 63);
                sm[8 + j] = negDmin * ((lo8 >>> (8 * j + 32)) & 63);
                sm[4 + j] = d * ((b8 & 0xF) | (((lo8 >>> (8 * j + 6)) & 3) << 4));
                sm[12 + j] = negDmin * ((b8 >>> 4) | (((lo8 >>> (8 * j + 38)) & 3) << 4));
            }
            for (int j = 0; j < 4; j++) {
                FloatVector d1 = FloatVector.broadcast(Lanes.F, sm[2 * j]), m1 = FloatVector.broadcast(Lanes.F, sm[8 + 2 * j]);
                FloatVector d2 = FloatVector.broadcast(Lanes.F, sm[2 * j + 1]), m2 = FloatVector.broadcast(Lanes.F, sm[9 + 2 * j]);
                int xo = xOff + b * BLOCK + 64 * j;
                for (int l = 0; l < 32; l += Lanes.L) {
                    // Nibbles split on byte vectors (x86 has no byte shift: 16-bit lanes, then the mask).
                    ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 16 + 32 * j + l, Bytes.LE);
                    ByteVector hi = q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                    FloatVector vl = (FloatVector) q.and((byte) 0x0F).convertShape(VectorOperators.B2F, Lanes.F, 0);
                    FloatVector vh = (FloatVector) hi.convertShape(VectorOperators.B2F, Lanes.F, 0);
                    acc0 = vl.fma(d1, m1).fma(FloatVector.fromArray(Lanes.F, x, xo + l), acc0);
                    acc1 = vh.fma(d2, m2).fma(FloatVector.fromArray(Lanes.F, x, xo + 32 + l), acc1);
                }
            }
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
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
