package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q3_K: super-blocks of 256 = 32 bytes hmask (third bit), 64 bytes of 2-bit values, 12 bytes of sixteen
 * packed 6-bit scales (biased by 32), f16 d. Value layout as Q2_K; the third bit of value 32j' + l
 * (j' = 4n + j) is bit j' of hmask[l mod 32]; a clear bit subtracts 4. value = d · (scale − 32) · q.
 */
public final class Q3KMatVec extends MatVec {
    private static final int BLOCK = 256, BYTES = 110;

    Q3KMatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q3_K, data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    /** Scale i (0..15), already minus 32, from the 12 packed bytes at {@code s}. */
    private int scale(long s, int i) {
        int a0 = data.get(Bytes.INT, s), a1 = data.get(Bytes.INT, s + 4), tmp = data.get(Bytes.INT, s + 8);
        int word = switch (i >>> 2) {
            case 0 -> (a0 & 0x0F0F0F0F) | ((tmp & 0x03030303) << 4);
            case 1 -> (a1 & 0x0F0F0F0F) | (((tmp >>> 2) & 0x03030303) << 4);
            case 2 -> ((a0 >>> 4) & 0x0F0F0F0F) | (((tmp >>> 4) & 0x03030303) << 4);
            default -> ((a1 >>> 4) & 0x0F0F0F0F) | (((tmp >>> 6) & 0x03030303) << 4);
        };
        return ((word >>> (8 * (i & 3))) & 0xFF) - 32;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        if (!Lanes.BYTES) return dotByDequantizing(row, x, xOff);
        long base = row * rowBytes;
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / BLOCK; b++) {
            long o = base + (long) b * BYTES;
            float d = f16ToFloat(o + 108);
            int is = 0;
            for (int n = 0; n < 2; n++) {
                long q = o + 32 + 32 * n;
                for (int j = 0; j < 4; j++) {
                    int bit = 4 * n + j;
                    for (int half = 0; half < 2; half++, is++) {
                        float dl = d * scale(o + 96, is);
                        int xo = xOff + b * BLOCK + 128 * n + 32 * j + 16 * half;
                        for (int l = 0; l < 16; l += Lanes.L) {
                            ByteVector low = ByteVector.fromMemorySegment(Lanes.B, data, q + 16 * half + l, Bytes.LE)
                                    .lanewise(VectorOperators.LSHR, 2 * j).and((byte) 3);
                            ByteVector high = ByteVector.fromMemorySegment(Lanes.B, data, o + 16 * half + l, Bytes.LE)
                                    .lanewise(VectorOperators.LSHR, bit).and((byte) 1).lanewise(VectorOperators.LSHL, 2);
                            ByteVector v = low.or(high).sub((byte) 4);
                            FloatVector vf = (FloatVector) v.convertShape(VectorOperators.B2F, Lanes.F, 0);
                            acc = vf.mul(dl).fma(FloatVector.fromArray(Lanes.F, x, xo + l), acc);
                        }
                    }
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeBlock(long o, float[] y, int yo) {
        float d = f16ToFloat(o + 108);
        int is = 0;
        for (int n = 0; n < 2; n++) {
            long q = o + 32 + 32 * n;
            for (int j = 0; j < 4; j++) {
                int bit = 4 * n + j;
                for (int half = 0; half < 2; half++, is++) {
                    float dl = d * scale(o + 96, is);
                    int y0 = yo + 128 * n + 32 * j + 16 * half;
                    for (int l = 0; l < 16; l += Lanes.L) {
                        ByteVector low = ByteVector.fromMemorySegment(Lanes.B, data, q + 16 * half + l, Bytes.LE)
                                .lanewise(VectorOperators.LSHR, 2 * j).and((byte) 3);
                        ByteVector high = ByteVector.fromMemorySegment(Lanes.B, data, o + 16 * half + l, Bytes.LE)
                                .lanewise(VectorOperators.LSHR, bit).and((byte) 1).lanewise(VectorOperators.LSHL, 2);
                        ((FloatVector) low.or(high).sub((byte) 4).convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(dl).intoArray(y, y0 + l);
                    }
                }
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
            float d = f16ToFloat(o + 108);
            int is = 0, y = dstOff + b * BLOCK;
            for (int n = 0; n < 2; n++) {
                long q = o + 32 + 32 * n;
                for (int j = 0; j < 4; j++) {
                    int bit = 4 * n + j;
                    for (int half = 0; half < 2; half++, is++) {
                        float dl = d * scale(o + 96, is);
                        for (int l = 0; l < 16; l++) {
                            int low = (data.get(Bytes.BYTE, q + 16 * half + l) & 0xFF) >>> (2 * j) & 3;
                            int h = (data.get(Bytes.BYTE, o + 16 * half + l) & 0xFF) >>> bit & 1;
                            dst[y++] = dl * (low - (h != 0 ? 0 : 4));
                        }
                    }
                }
            }
        }
    }
}
