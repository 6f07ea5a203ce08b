package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

/**
 * Q6_K: super-blocks of 256 = 128 bytes ql (low 4 bits), 64 bytes qh (high 2 bits), 16 int8 scales
 * (one per 16 values), f16 d at the end. Each half of 128 values uses 64 ql and 32 qh bytes: for
 * l < 32, values l, l+32, l+64, l+96 take ql[l] low, ql[l+32] low, ql[l] high, ql[l+32] high and the
 * 2-bit fields 0, 2, 4, 6 of qh[l]. value = d · scale · (q − 32).
 */
public final class Q6KMatVec extends MatVec {
    private static final int BLOCK = 256, BYTES = 210;

    Q6KMatVec(MemorySegment data, int rows, int cols) {
        super(GgmlType.Q6_K, data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        if (!Lanes.BYTES) return dotByDequantizing(row, x, xOff);
        // Fused, with the 6-bit values assembled by byte ops on L-byte vectors (one 128-bit register at 16
        // lanes, cheap) and only the final widening to float at full width. Each group of 16 values has one
        // scale, so a group is exactly one float vector times one broadcast. Four accumulators, one per
        // quarter, so that the FMAs do not wait on each other. Everything is written out in this one method
        // on purpose: past C2's NodeCountInliningCutoff a small helper returning a vector is no longer inlined,
        // and every vector it returns is then boxed (seen: 5x slower). Vector API methods always inline.
        long base = row * rowBytes;
        FloatVector acc1 = FloatVector.zero(Lanes.F), acc2 = acc1, acc3 = acc1, acc4 = acc1;
        for (int b = 0; b < cols / BLOCK; b++) {
            long o = base + (long) b * BYTES;
            float d = f16ToFloat(o + 208);
            for (int n = 0; n < 2; n++) {
                long ql = o + 64 * n, qh = o + 128 + 32 * n, sc = o + 192 + 8 * n;
                int x0 = xOff + b * BLOCK + 128 * n;
                for (int l = 0; l < 32; l += Lanes.L) {
                    int is = l / 16;
                    ByteVector a = ByteVector.fromMemorySegment(Lanes.B, data, ql + l, Bytes.LE);
                    ByteVector c = ByteVector.fromMemorySegment(Lanes.B, data, ql + 32 + l, Bytes.LE);
                    ByteVector h = ByteVector.fromMemorySegment(Lanes.B, data, qh + l, Bytes.LE);
                    // x86 has no byte shifts: shift 16-bit lanes; the masks below drop the bits that crossed
                    // from the neighbouring byte.
                    ByteVector hl4 = h.reinterpretAsShorts().lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes();
                    ByteVector hl2 = h.reinterpretAsShorts().lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes();
                    ByteVector hr2 = h.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes();
                    ByteVector ar4 = a.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
                    ByteVector cr4 = c.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
                    ByteVector q1 = a.and((byte) 0x0F).or(hl4.and((byte) 0x30)).sub((byte) 32);
                    ByteVector q2 = c.and((byte) 0x0F).or(hl2.and((byte) 0x30)).sub((byte) 32);
                    ByteVector q3 = ar4.and((byte) 0x0F).or(h.and((byte) 0x30)).sub((byte) 32);
                    ByteVector q4 = cr4.and((byte) 0x0F).or(hr2.and((byte) 0x30)).sub((byte) 32);
                    acc1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(FloatVector.fromArray(Lanes.F, x, x0 + l))
                            .fma(FloatVector.broadcast(Lanes.F, d * data.get(Bytes.BYTE, sc + is)), acc1);
                    acc2 = ((FloatVector) q2.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(FloatVector.fromArray(Lanes.F, x, x0 + 32 + l))
                            .fma(FloatVector.broadcast(Lanes.F, d * data.get(Bytes.BYTE, sc + is + 2)), acc2);
                    acc3 = ((FloatVector) q3.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(FloatVector.fromArray(Lanes.F, x, x0 + 64 + l))
                            .fma(FloatVector.broadcast(Lanes.F, d * data.get(Bytes.BYTE, sc + is + 4)), acc3);
                    acc4 = ((FloatVector) q4.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(FloatVector.fromArray(Lanes.F, x, x0 + 96 + l))
                            .fma(FloatVector.broadcast(Lanes.F, d * data.get(Bytes.BYTE, sc + is + 6)), acc4);
                }
            }
        }
        return acc1.add(acc2).add(acc3.add(acc4)).reduceLanes(VectorOperators.ADD);
    }

    @Override
    protected void decodeBlock(long o, float[] y, int yo) {
        float d = f16ToFloat(o + 208);
        for (int n = 0; n < 2; n++) {
            long ql = o + 64 * n, qh = o + 128 + 32 * n, sc = o + 192 + 8 * n;
            int y0 = yo + 128 * n;
            for (int l = 0; l < 32; l += Lanes.L) {
                int is = l / 16;
                // Widen the bytes to int lanes first: x86 has no byte shifts, so byte-lane LSHR/LSHL are
                // emulated and cost several instructions each; int shifts are single instructions.
                IntVector a = widen(ql + l), c = widen(ql + 32 + l), h = widen(qh + l);
                IntVector q1 = a.and(0xF).or(h.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                IntVector q2 = c.and(0xF).or(h.and(0xC).lanewise(VectorOperators.LSHL, 2)).sub(32);
                IntVector q3 = a.lanewise(VectorOperators.LSHR, 4).and(0xF).or(h.and(0x30)).sub(32);
                IntVector q4 = c.lanewise(VectorOperators.LSHR, 4).and(0xF).or(h.lanewise(VectorOperators.LSHR, 2).and(0x30)).sub(32);
                ((FloatVector) q1.convert(VectorOperators.I2F, 0)).mul(d * data.get(Bytes.BYTE, sc + is)).intoArray(y, y0 + l);
                ((FloatVector) q2.convert(VectorOperators.I2F, 0)).mul(d * data.get(Bytes.BYTE, sc + is + 2)).intoArray(y, y0 + l + 32);
                ((FloatVector) q3.convert(VectorOperators.I2F, 0)).mul(d * data.get(Bytes.BYTE, sc + is + 4)).intoArray(y, y0 + l + 64);
                ((FloatVector) q4.convert(VectorOperators.I2F, 0)).mul(d * data.get(Bytes.BYTE, sc + is + 6)).intoArray(y, y0 + l + 96);
            }
        }
    }

    /** L bytes at {@code o} as int lanes (sign-extended; callers mask the bits they use). */
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
            float d = f16ToFloat(o + 208);
            for (int n = 0; n < 2; n++) {
                long ql = o + 64 * n, qh = o + 128 + 32 * n, sc = o + 192 + 8 * n;
                int y = dstOff + b * BLOCK + 128 * n;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int a = data.get(Bytes.BYTE, ql + l) & 0xFF, c = data.get(Bytes.BYTE, ql + 32 + l) & 0xFF;
                    int h = data.get(Bytes.BYTE, qh + l) & 0xFF;
                    dst[y + l] = d * data.get(Bytes.BYTE, sc + is) * (((a & 0xF) | ((h & 3) << 4)) - 32);
                    dst[y + l + 32] = d * data.get(Bytes.BYTE, sc + is + 2) * (((c & 0xF) | ((h >>> 2 & 3) << 4)) - 32);
                    dst[y + l + 64] = d * data.get(Bytes.BYTE, sc + is + 4) * (((a >>> 4) | ((h >>> 4 & 3) << 4)) - 32);
                    dst[y + l + 96] = d * data.get(Bytes.BYTE, sc + is + 6) * (((c >>> 4) | ((h >>> 6 & 3) << 4)) - 32);
                }
            }
        }
    }
}
