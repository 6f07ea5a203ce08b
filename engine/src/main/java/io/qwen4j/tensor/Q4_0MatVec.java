package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q4_0: blocks of 32 values = f16 scale d, then 16 bytes; byte j holds value j in its low nibble and
 * value j + 16 in its high nibble; value = d · (nibble − 8).
 */
public final class Q4_0MatVec extends MatVec {
    private static final int BLOCK = 32, BYTES = 18;

    Q4_0MatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q4_0, data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        if (!Lanes.BYTES) return dotByDequantizing(row, x, xOff);
        long base = row * rowBytes;
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / BLOCK; b++) {
            long o = base + (long) b * BYTES;
            int xo = xOff + b * BLOCK;
            FloatVector sum = FloatVector.zero(Lanes.F);
            for (int j = 0; j < 16; j += Lanes.L) {
                // Nibbles split and re-centred on L-byte vectors (one 128-bit register at 16 lanes: cheap);
                // only the widening to float runs at full width. x86 has no byte shift: the high nibbles
                // are shifted in 16-bit lanes and the mask drops what crossed from the neighbouring byte.
                ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 2 + j, Bytes.LE);
                ByteVector hi = q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
                FloatVector lo = (FloatVector) q.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, Lanes.F, 0);
                FloatVector up = (FloatVector) hi.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, Lanes.F, 0);
                sum = lo.fma(FloatVector.fromArray(Lanes.F, x, xo + j), sum);
                sum = up.fma(FloatVector.fromArray(Lanes.F, x, xo + 16 + j), sum);
            }
            acc = sum.fma(FloatVector.broadcast(Lanes.F, f16ToFloat(o)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeBlock(long o, float[] y, int yo) {
        float d = f16ToFloat(o);
        for (int j = 0; j < 16; j += Lanes.L) {
            IntVector q = widen(o + 2 + j);
            ((FloatVector) q.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(y, yo + j);
            ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(y, yo + 16 + j);
        }
    }

    /** L bytes at {@code o} as int lanes (sign-extended; callers mask the nibble they use). */
    private IntVector widen(long o) {
        return (IntVector) ByteVector.fromMemorySegment(Lanes.B, data, o, Bytes.LE).convertShape(VectorOperators.B2I, Lanes.I, 0);
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
            int y = dstOff + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int q = data.get(Bytes.BYTE, o + 2 + j) & 0xFF;
                dst[y + j] = d * ((q & 0xF) - 8);
                dst[y + j + 16] = d * ((q >>> 4) - 8);
            }
        }
    }
}
