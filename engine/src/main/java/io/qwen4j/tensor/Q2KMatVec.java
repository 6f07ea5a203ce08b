package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q2_K: super-blocks of 256 = 16 bytes of (4-bit scale | 4-bit min << 4) for sub-blocks of 16, 64 bytes of
 * 2-bit values, f16 d, f16 dmin. Half n (128 values) reads 32 bytes; shift 2j picks the 2-bit field for
 * values 32j .. 32j + 31 (bytes 0..15 then 16..31). value = d · scale · q − dmin · min.
 */
public final class Q2KMatVec extends MatVec {
    private static final int BLOCK = 256, BYTES = 84;

    Q2KMatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q2_K, data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        if (!Lanes.BYTES) return dotByDequantizing(row, x, xOff);
        long base = row * rowBytes;
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / BLOCK; b++) {
            long o = base + (long) b * BYTES;
            float d = f16ToFloat(o + 80), dmin = f16ToFloat(o + 82);
            int is = 0;
            for (int n = 0; n < 2; n++) {
                long q = o + 16 + 32 * n;
                for (int j = 0; j < 4; j++) {
                    for (int half = 0; half < 2; half++, is++) {
                        int sc = data.get(Bytes.BYTE, o + is) & 0xFF;
                        FloatVector dl = FloatVector.broadcast(Lanes.F, d * (sc & 0xF));
                        FloatVector ml = FloatVector.broadcast(Lanes.F, -dmin * (sc >>> 4));
                        int xo = xOff + b * BLOCK + 128 * n + 32 * j + 16 * half;
                        for (int l = 0; l < 16; l += Lanes.L) {
                            ByteVector v = ByteVector.fromMemorySegment(Lanes.B, data, q + 16 * half + l, Bytes.LE)
                                    .lanewise(VectorOperators.LSHR, 2 * j).and((byte) 3);
                            FloatVector vf = (FloatVector) v.convertShape(VectorOperators.B2F, Lanes.F, 0);
                            acc = vf.fma(dl, ml).fma(FloatVector.fromArray(Lanes.F, x, xo + l), acc);
                        }
                    }
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeBlock(long o, float[] y, int yo) {
        float d = f16ToFloat(o + 80), dmin = f16ToFloat(o + 82);
        int is = 0;
        for (int n = 0; n < 2; n++) {
            long q = o + 16 + 32 * n;
            for (int j = 0; j < 4; j++) {
                for (int half = 0; half < 2; half++, is++) {
                    int sc = data.get(Bytes.BYTE, o + is) & 0xFF;
                    float dl = d * (sc & 0xF), ml = dmin * (sc >>> 4);
                    int y0 = yo + 128 * n + 32 * j + 16 * half;
                    for (int l = 0; l < 16; l += Lanes.L) {
                        ByteVector v = ByteVector.fromMemorySegment(Lanes.B, data, q + 16 * half + l, Bytes.LE)
                                .lanewise(VectorOperators.LSHR, 2 * j).and((byte) 3);
                        ((FloatVector) v.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(dl).sub(ml).intoArray(y, y0 + l);
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
            float d = f16ToFloat(o + 80), dmin = f16ToFloat(o + 82);
            int is = 0, y = dstOff + b * BLOCK;
            for (int n = 0; n < 2; n++) {
                long q = o + 16 + 32 * n;
                for (int j = 0; j < 4; j++) {
                    for (int half = 0; half < 2; half++, is++) {
                        int sc = data.get(Bytes.BYTE, o + is) & 0xFF;
                        float dl = d * (sc & 0xF), ml = dmin * (sc >>> 4);
                        for (int l = 0; l < 16; l++) {
                            int v = (data.get(Bytes.BYTE, q + 16 * half + l) & 0xFF) >>> (2 * j) & 3;
                            dst[y++] = dl * v - ml;
                        }
                    }
                }
            }
        }
    }
}
