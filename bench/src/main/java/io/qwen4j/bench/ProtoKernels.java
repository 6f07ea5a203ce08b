package io.qwen4j.bench;

import io.qwen4j.tensor.Lanes;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Experimental decode loops, A/B'd against the baseline in DecodeKernelBenchmark before moving into the engine. */
final class ProtoKernels {
    private ProtoKernels() {
    }

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ThreadLocal<float[]> BUF = ThreadLocal.withInitial(() -> new float[256]);

    static void multiply(String kernel, String type, MemorySegment data, int rows, int cols, float[] x, float[] out) {
        switch (type + "/" + kernel) {
            case "Q4_0/p1" -> { long rb = cols / 32 * 18L; for (int r = 0; r < rows; r++) out[r] = q4_0(data, r * rb, cols, x); }
            case "Q4_0/p2" -> { long rb = cols / 32 * 18L; for (int r = 0; r < rows; r += 2) q4_0x2(data, r * rb, rb, cols, x, out, r); }
            case "Q8_0/p1" -> { long rb = cols / 32 * 34L; for (int r = 0; r < rows; r++) out[r] = q8_0(data, r * rb, cols, x); }
            case "Q8_0/p2" -> { long rb = cols / 32 * 34L; for (int r = 0; r < rows; r += 2) q8_0x2(data, r * rb, rb, cols, x, out, r); }
            case "F16/p1" -> { long rb = cols * 2L; for (int r = 0; r < rows; r++) out[r] = f16(data, r * rb, cols, x); }
            case "F16/p2" -> { long rb = cols * 2L; for (int r = 0; r < rows; r++) out[r] = f16b(data, r * rb, cols, x); }
            case "Q6_K/p1" -> { long rb = cols / 256 * 210L; for (int r = 0; r < rows; r++) out[r] = q6_k(data, r * rb, cols, x); }
            case "Q6_K/p2" -> { long rb = cols / 256 * 210L; for (int r = 0; r < rows; r++) out[r] = q6_k4(data, r * rb, cols, x); }
            case "Q4_0/p3" -> { long rb = cols / 32 * 18L; for (int r = 0; r < rows; r++) out[r] = q4_0b(data, r * rb, cols, x); }
            case "Q4_K/p1" -> { long rb = cols / 256 * 144L; for (int r = 0; r < rows; r++) out[r] = q4_k(data, r * rb, cols, x); }
            case "Q4_K/p2" -> { long rb = cols / 256 * 144L; for (int r = 0; r < rows; r++) out[r] = q4_kc(data, r * rb, cols, x); }
            case "Q4_K/p3" -> { long rb = cols / 256 * 144L; for (int r = 0; r < rows; r++) out[r] = q4_kd(data, r * rb, cols, x); }
            default -> throw new IllegalArgumentException(type + "/" + kernel);
        }
    }

    private static float h(MemorySegment data, long o) {
        return Float.float16ToFloat(data.get(SHORT, o));
    }

    /** Low nibbles minus 8, as bytes (128-bit ops are cheap; only the widening runs at full width). */
    private static FloatVector f(ByteVector b) {
        return (FloatVector) b.convertShape(VectorOperators.B2F, Lanes.F, 0);
    }

    private static ByteVector high(ByteVector raw) {
        // x86 has no byte shift: shift the 16-bit lanes, the mask drops the bits that crossed a byte.
        return raw.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
    }

    static float q4_0(MemorySegment data, long base, int cols, float[] x) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / 32; b++) {
            long o = base + (long) b * 18;
            int xo = b * 32;
            FloatVector sum = FloatVector.zero(Lanes.F);
            for (int j = 0; j < 16; j += Lanes.L) {
                ByteVector raw = ByteVector.fromMemorySegment(Lanes.B, data, o + 2 + j, LE);
                sum = f(raw.and((byte) 0x0F).sub((byte) 8)).fma(FloatVector.fromArray(Lanes.F, x, xo + j), sum);
                sum = f(high(raw).sub((byte) 8)).fma(FloatVector.fromArray(Lanes.F, x, xo + 16 + j), sum);
            }
            acc = sum.fma(FloatVector.broadcast(Lanes.F, h(data, o)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static void q4_0x2(MemorySegment data, long base, long rb, int cols, float[] x, float[] out, int r) {
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0;
        for (int b = 0; b < cols / 32; b++) {
            long o = base + (long) b * 18, p = o + rb;
            int xo = b * 32;
            FloatVector s0 = FloatVector.zero(Lanes.F), s1 = s0;
            for (int j = 0; j < 16; j += Lanes.L) {
                FloatVector xl = FloatVector.fromArray(Lanes.F, x, xo + j), xh = FloatVector.fromArray(Lanes.F, x, xo + 16 + j);
                ByteVector r0 = ByteVector.fromMemorySegment(Lanes.B, data, o + 2 + j, LE);
                ByteVector r1 = ByteVector.fromMemorySegment(Lanes.B, data, p + 2 + j, LE);
                s0 = ((FloatVector) r0.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, Lanes.F, 0)).fma(xl, s0);
                s1 = ((FloatVector) r1.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, Lanes.F, 0)).fma(xl, s1);
                s0 = ((FloatVector) r0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, Lanes.F, 0)).fma(xh, s0);
                s1 = ((FloatVector) r1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, Lanes.F, 0)).fma(xh, s1);
            }
            acc0 = s0.fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(data.get(SHORT, o))), acc0);
            acc1 = s1.fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(data.get(SHORT, p))), acc1);
        }
        out[r] = acc0.reduceLanes(VectorOperators.ADD);
        out[r + 1] = acc1.reduceLanes(VectorOperators.ADD);
    }

    static float q8_0(MemorySegment data, long base, int cols, float[] x) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / 32; b++) {
            long o = base + (long) b * 34;
            int xo = b * 32;
            FloatVector sum = f(ByteVector.fromMemorySegment(Lanes.B, data, o + 2, LE)).mul(FloatVector.fromArray(Lanes.F, x, xo));
            for (int j = Lanes.L; j < 32; j += Lanes.L) {
                sum = f(ByteVector.fromMemorySegment(Lanes.B, data, o + 2 + j, LE)).fma(FloatVector.fromArray(Lanes.F, x, xo + j), sum);
            }
            acc = sum.fma(FloatVector.broadcast(Lanes.F, h(data, o)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static void q8_0x2(MemorySegment data, long base, long rb, int cols, float[] x, float[] out, int r) {
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0;
        for (int b = 0; b < cols / 32; b++) {
            long o = base + (long) b * 34, p = o + rb;
            int xo = b * 32;
            FloatVector s0 = FloatVector.zero(Lanes.F), s1 = s0;
            for (int j = 0; j < 32; j += Lanes.L) {
                FloatVector xv = FloatVector.fromArray(Lanes.F, x, xo + j);
                s0 = ((FloatVector) ByteVector.fromMemorySegment(Lanes.B, data, o + 2 + j, LE).convertShape(VectorOperators.B2F, Lanes.F, 0)).fma(xv, s0);
                s1 = ((FloatVector) ByteVector.fromMemorySegment(Lanes.B, data, p + 2 + j, LE).convertShape(VectorOperators.B2F, Lanes.F, 0)).fma(xv, s1);
            }
            acc0 = s0.fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(data.get(SHORT, o))), acc0);
            acc1 = s1.fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(data.get(SHORT, p))), acc1);
        }
        out[r] = acc0.reduceLanes(VectorOperators.ADD);
        out[r + 1] = acc1.reduceLanes(VectorOperators.ADD);
    }

    /** F16 through C2's auto-vectorised Float.float16ToFloat (vcvtph2ps) into an L1 buffer, then a vector dot. */
    static float f16(MemorySegment data, long base, int cols, float[] x) {
        float[] y = BUF.get();
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int c = 0; c < cols; c += 256) {
            for (int i = 0; i < 256; i++) y[i] = Float.float16ToFloat(data.get(SHORT, base + 2L * (c + i)));
            for (int i = 0; i < 256; i += Lanes.L) {
                acc = FloatVector.fromArray(Lanes.F, y, i).fma(FloatVector.fromArray(Lanes.F, x, c + i), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** F16 with two accumulators and the conversion inlined (normal halves only path is not exact: kept exact). */
    static float f16b(MemorySegment data, long base, int cols, float[] x) {
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0;
        for (int i = 0; i < cols; i += 2 * Lanes.L) {
            acc0 = io.qwen4j.tensor.HalfFloat.f16ToFloat(jdk.incubator.vector.ShortVector.fromMemorySegment(Lanes.S, data, base + 2L * i, LE)).fma(FloatVector.fromArray(Lanes.F, x, i), acc0);
            acc1 = io.qwen4j.tensor.HalfFloat.f16ToFloat(jdk.incubator.vector.ShortVector.fromMemorySegment(Lanes.S, data, base + 2L * (i + Lanes.L), LE)).fma(FloatVector.fromArray(Lanes.F, x, i + Lanes.L), acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /**
     * Q6_K fused, in the byte domain: the 6-bit values are assembled with 128-bit byte ops (cheap), then
     * one widening to float per 16 values, whose scale is exactly one broadcast.
     */
    static float q6_k(MemorySegment data, long base, int cols, float[] x) {
        // No helper methods in here: past C2's NodeCountInliningCutoff a small helper that returns a vector
        // is no longer inlined and every vector it returns is boxed (5x slower). Vector API methods are
        // @ForceInline and always inline.
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int blk = 0; blk < cols / 256; blk++) {
            long o = base + (long) blk * 210;
            float d = Float.float16ToFloat(data.get(SHORT, o + 208));
            for (int n = 0; n < 2; n++) {
                long ql = o + 64 * n, qh = o + 128 + 32 * n, sc = o + 192 + 8 * n;
                int x0 = blk * 256 + 128 * n;
                for (int l = 0; l < 32; l += Lanes.L) {
                    int is = l / 16;
                    ByteVector a = ByteVector.fromMemorySegment(Lanes.B, data, ql + l, LE);
                    ByteVector c = ByteVector.fromMemorySegment(Lanes.B, data, ql + 32 + l, LE);
                    ByteVector hb = ByteVector.fromMemorySegment(Lanes.B, data, qh + l, LE);
                    // x86 has no byte shifts: shift 16-bit lanes, the masks drop bits that crossed a byte.
                    ByteVector h4 = hb.reinterpretAsShorts().lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes();
                    ByteVector h2 = hb.reinterpretAsShorts().lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes();
                    ByteVector hr = hb.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes();
                    ByteVector a4 = a.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
                    ByteVector c4 = c.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
                    ByteVector q1 = a.and((byte) 0x0F).or(h4.and((byte) 0x30)).sub((byte) 32);
                    ByteVector q2 = c.and((byte) 0x0F).or(h2.and((byte) 0x30)).sub((byte) 32);
                    ByteVector q3 = a4.and((byte) 0x0F).or(hb.and((byte) 0x30)).sub((byte) 32);
                    ByteVector q4 = c4.and((byte) 0x0F).or(hr.and((byte) 0x30)).sub((byte) 32);
                    FloatVector f1 = (FloatVector) q1.convertShape(VectorOperators.B2F, Lanes.F, 0);
                    FloatVector f2 = (FloatVector) q2.convertShape(VectorOperators.B2F, Lanes.F, 0);
                    FloatVector f3 = (FloatVector) q3.convertShape(VectorOperators.B2F, Lanes.F, 0);
                    FloatVector f4 = (FloatVector) q4.convertShape(VectorOperators.B2F, Lanes.F, 0);
                    acc = f1.mul(FloatVector.fromArray(Lanes.F, x, x0 + l)).fma(FloatVector.broadcast(Lanes.F, d * data.get(ValueLayout.JAVA_BYTE, sc + is)), acc);
                    acc = f2.mul(FloatVector.fromArray(Lanes.F, x, x0 + 32 + l)).fma(FloatVector.broadcast(Lanes.F, d * data.get(ValueLayout.JAVA_BYTE, sc + is + 2)), acc);
                    acc = f3.mul(FloatVector.fromArray(Lanes.F, x, x0 + 64 + l)).fma(FloatVector.broadcast(Lanes.F, d * data.get(ValueLayout.JAVA_BYTE, sc + is + 4)), acc);
                    acc = f4.mul(FloatVector.fromArray(Lanes.F, x, x0 + 96 + l)).fma(FloatVector.broadcast(Lanes.F, d * data.get(ValueLayout.JAVA_BYTE, sc + is + 6)), acc);
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static ByteVector shl(ByteVector b, int n) {
        return b.reinterpretAsShorts().lanewise(VectorOperators.LSHL, n).reinterpretAsBytes();
    }

    private static ByteVector shr(ByteVector b, int n) {
        return b.reinterpretAsShorts().lanewise(VectorOperators.LSHR, n).reinterpretAsBytes();
    }

    /** Two blocks per iteration into two accumulators: the scale FMAs no longer form one chain. */
    static float q4_0b(MemorySegment data, long base, int cols, float[] x) {
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0;
        for (int b = 0; b < cols / 32; b += 2) {
            long o = base + (long) b * 18, p = o + 18;
            int xo = b * 32;
            FloatVector s0 = FloatVector.zero(Lanes.F), s1 = s0;
            for (int j = 0; j < 16; j += Lanes.L) {
                ByteVector r0 = ByteVector.fromMemorySegment(Lanes.B, data, o + 2 + j, LE);
                ByteVector r1 = ByteVector.fromMemorySegment(Lanes.B, data, p + 2 + j, LE);
                ByteVector h0 = r0.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
                ByteVector h1 = r1.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
                s0 = ((FloatVector) r0.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, Lanes.F, 0)).fma(FloatVector.fromArray(Lanes.F, x, xo + j), s0);
                s1 = ((FloatVector) r1.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, Lanes.F, 0)).fma(FloatVector.fromArray(Lanes.F, x, xo + 32 + j), s1);
                s0 = ((FloatVector) h0.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, Lanes.F, 0)).fma(FloatVector.fromArray(Lanes.F, x, xo + 16 + j), s0);
                s1 = ((FloatVector) h1.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, Lanes.F, 0)).fma(FloatVector.fromArray(Lanes.F, x, xo + 48 + j), s1);
            }
            acc0 = s0.fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(data.get(SHORT, o))), acc0);
            acc1 = s1.fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(data.get(SHORT, p))), acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /** q6_k with one accumulator per quarter: four independent FMA chains instead of one. */
    static float q6_k4(MemorySegment data, long base, int cols, float[] x) {
        FloatVector acc1 = FloatVector.zero(Lanes.F), acc2 = acc1, acc3 = acc1, acc4 = acc1;
        for (int blk = 0; blk < cols / 256; blk++) {
            long o = base + (long) blk * 210;
            float d = Float.float16ToFloat(data.get(SHORT, o + 208));
            for (int n = 0; n < 2; n++) {
                long ql = o + 64 * n, qh = o + 128 + 32 * n, sc = o + 192 + 8 * n;
                int x0 = blk * 256 + 128 * n;
                for (int l = 0; l < 32; l += Lanes.L) {
                    int is = l / 16;
                    ByteVector a = ByteVector.fromMemorySegment(Lanes.B, data, ql + l, LE);
                    ByteVector c = ByteVector.fromMemorySegment(Lanes.B, data, ql + 32 + l, LE);
                    ByteVector hb = ByteVector.fromMemorySegment(Lanes.B, data, qh + l, LE);
                    ByteVector h4 = hb.reinterpretAsShorts().lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes();
                    ByteVector h2 = hb.reinterpretAsShorts().lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes();
                    ByteVector hr = hb.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes();
                    ByteVector a4 = a.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
                    ByteVector c4 = c.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes();
                    ByteVector q1 = a.and((byte) 0x0F).or(h4.and((byte) 0x30)).sub((byte) 32);
                    ByteVector q2 = c.and((byte) 0x0F).or(h2.and((byte) 0x30)).sub((byte) 32);
                    ByteVector q3 = a4.and((byte) 0x0F).or(hb.and((byte) 0x30)).sub((byte) 32);
                    ByteVector q4 = c4.and((byte) 0x0F).or(hr.and((byte) 0x30)).sub((byte) 32);
                    acc1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(FloatVector.fromArray(Lanes.F, x, x0 + l)).fma(FloatVector.broadcast(Lanes.F, d * data.get(ValueLayout.JAVA_BYTE, sc + is)), acc1);
                    acc2 = ((FloatVector) q2.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(FloatVector.fromArray(Lanes.F, x, x0 + 32 + l)).fma(FloatVector.broadcast(Lanes.F, d * data.get(ValueLayout.JAVA_BYTE, sc + is + 2)), acc2);
                    acc3 = ((FloatVector) q3.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(FloatVector.fromArray(Lanes.F, x, x0 + 64 + l)).fma(FloatVector.broadcast(Lanes.F, d * data.get(ValueLayout.JAVA_BYTE, sc + is + 4)), acc3);
                    acc4 = ((FloatVector) q4.convertShape(VectorOperators.B2F, Lanes.F, 0)).mul(FloatVector.fromArray(Lanes.F, x, x0 + 96 + l)).fma(FloatVector.broadcast(Lanes.F, d * data.get(ValueLayout.JAVA_BYTE, sc + is + 6)), acc4);
                }
            }
        }
        return acc1.add(acc2).add(acc3.add(acc4)).reduceLanes(VectorOperators.ADD);
    }

    /** Q4_K fused, scales and mins decoded inline, lo/hi nibbles into separate accumulators. */
    static float q4_k(MemorySegment data, long base, int cols, float[] x) {
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0;
        for (int b = 0; b < cols / 256; b++) {
            long o = base + (long) b * 144, s = o + 4;
            float d = Float.float16ToFloat(data.get(SHORT, o)), dmin = Float.float16ToFloat(data.get(SHORT, o + 2));
            for (int j = 0; j < 4; j++) {
                int lo = 2 * j, hi = 2 * j + 1;
                int sLo, mLo, sHi, mHi;
                if (j < 2) {
                    sLo = data.get(ValueLayout.JAVA_BYTE, s + lo) & 63;
                    mLo = data.get(ValueLayout.JAVA_BYTE, s + lo + 4) & 63;
                    sHi = data.get(ValueLayout.JAVA_BYTE, s + hi) & 63;
                    mHi = data.get(ValueLayout.JAVA_BYTE, s + hi + 4) & 63;
                } else {
                    sLo = (data.get(ValueLayout.JAVA_BYTE, s + lo + 4) & 0xF) | ((data.get(ValueLayout.JAVA_BYTE, s + lo - 4) & 0xFF) >>> 6 << 4);
                    mLo = ((data.get(ValueLayout.JAVA_BYTE, s + lo + 4) & 0xFF) >>> 4) | ((data.get(ValueLayout.JAVA_BYTE, s + lo) & 0xFF) >>> 6 << 4);
                    sHi = (data.get(ValueLayout.JAVA_BYTE, s + hi + 4) & 0xF) | ((data.get(ValueLayout.JAVA_BYTE, s + hi - 4) & 0xFF) >>> 6 << 4);
                    mHi = ((data.get(ValueLayout.JAVA_BYTE, s + hi + 4) & 0xFF) >>> 4) | ((data.get(ValueLayout.JAVA_BYTE, s + hi) & 0xFF) >>> 6 << 4);
                }
                FloatVector d1 = FloatVector.broadcast(Lanes.F, d * sLo), m1 = FloatVector.broadcast(Lanes.F, -dmin * mLo);
                FloatVector d2 = FloatVector.broadcast(Lanes.F, d * sHi), m2 = FloatVector.broadcast(Lanes.F, -dmin * mHi);
                int xo = b * 256 + 64 * j;
                for (int l = 0; l < 32; l += Lanes.L) {
                    ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 16 + 32 * j + l, LE);
                    ByteVector qh = q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                    FloatVector vl = (FloatVector) q.and((byte) 0x0F).convertShape(VectorOperators.B2F, Lanes.F, 0);
                    FloatVector vh = (FloatVector) qh.convertShape(VectorOperators.B2F, Lanes.F, 0);
                    acc0 = vl.fma(d1, m1).fma(FloatVector.fromArray(Lanes.F, x, xo + l), acc0);
                    acc1 = vh.fma(d2, m2).fma(FloatVector.fromArray(Lanes.F, x, xo + 32 + l), acc1);
                }
            }
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /** Experiment: q4_k with constant scales (wrong result), to see what the scale decoding costs. */
    static float q4_kc(MemorySegment data, long base, int cols, float[] x) {
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0;
        FloatVector d1 = FloatVector.broadcast(Lanes.F, 0.01f), m1 = FloatVector.broadcast(Lanes.F, -0.02f);
        for (int b = 0; b < cols / 256; b++) {
            long o = base + (long) b * 144;
            for (int j = 0; j < 4; j++) {
                int xo = b * 256 + 64 * j;
                for (int l = 0; l < 32; l += Lanes.L) {
                    ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 16 + 32 * j + l, LE);
                    ByteVector qh = q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                    FloatVector vl = (FloatVector) q.and((byte) 0x0F).convertShape(VectorOperators.B2F, Lanes.F, 0);
                    FloatVector vh = (FloatVector) qh.convertShape(VectorOperators.B2F, Lanes.F, 0);
                    acc0 = vl.fma(d1, m1).fma(FloatVector.fromArray(Lanes.F, x, xo + l), acc0);
                    acc1 = vh.fma(d1, m1).fma(FloatVector.fromArray(Lanes.F, x, xo + 32 + l), acc1);
                }
            }
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /** Experiment: the block's 8 (scale, min) pairs cut from one long and one int, into a small array first. */
    static float q4_kd(MemorySegment data, long base, int cols, float[] x) {
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0;
        float[] sm = BUF.get();
        for (int b = 0; b < cols / 256; b++) {
            long o = base + (long) b * 144;
            float d = Float.float16ToFloat(data.get(SHORT, o)), dmin = -Float.float16ToFloat(data.get(SHORT, o + 2));
            long lo8 = data.get(LONG, o + 4);
            long hi4 = data.get(INT, o + 12) & 0xFFFFFFFFL;
            // j < 4: scale = byte j & 63, min = byte j+4 & 63. j >= 4: scale = low nibble of byte j+4 | (byte j-4 >> 6) << 4,
            // min = high nibble of byte j+4 | (byte j >> 6) << 4.
            for (int j = 0; j < 4; j++) {
                sm[j] = d * ((lo8 >>> (8 * j)) & 63);
                sm[8 + j] = dmin * ((lo8 >>> (8 * j + 32)) & 63);
                long b8 = (hi4 >>> (8 * j)) & 0xFF;
                sm[4 + j] = d * ((b8 & 0xF) | (((lo8 >>> (8 * j + 6)) & 3) << 4));
                sm[12 + j] = dmin * ((b8 >>> 4) | (((lo8 >>> (8 * j + 38)) & 3) << 4));
            }
            for (int j = 0; j < 4; j++) {
                FloatVector d1 = FloatVector.broadcast(Lanes.F, sm[2 * j]), m1 = FloatVector.broadcast(Lanes.F, sm[8 + 2 * j]);
                FloatVector d2 = FloatVector.broadcast(Lanes.F, sm[2 * j + 1]), m2 = FloatVector.broadcast(Lanes.F, sm[9 + 2 * j]);
                int xo = b * 256 + 64 * j;
                for (int l = 0; l < 32; l += Lanes.L) {
                    ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 16 + 32 * j + l, LE);
                    ByteVector qh = q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                    FloatVector vl = (FloatVector) q.and((byte) 0x0F).convertShape(VectorOperators.B2F, Lanes.F, 0);
                    FloatVector vh = (FloatVector) qh.convertShape(VectorOperators.B2F, Lanes.F, 0);
                    acc0 = vl.fma(d1, m1).fma(FloatVector.fromArray(Lanes.F, x, xo + l), acc0);
                    acc1 = vh.fma(d2, m2).fma(FloatVector.fromArray(Lanes.F, x, xo + 32 + l), acc1);
                }
            }
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
}
