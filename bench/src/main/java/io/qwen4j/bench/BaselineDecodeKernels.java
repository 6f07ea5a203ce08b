package io.qwen4j.bench;

import io.qwen4j.tensor.HalfFloat;
import io.qwen4j.tensor.Lanes;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The decode dot products as they were before the kernel work (commit 6b8064a), kept verbatim so that
 * {@link DecodeKernelBenchmark} can run old and new back to back in one JVM on the same bytes: on a shared,
 * loaded machine only such same-run ratios mean anything.
 */
final class BaselineDecodeKernels {
    private BaselineDecodeKernels() {
    }

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ThreadLocal<float[]> GROUP = ThreadLocal.withInitial(() -> new float[256]);

    /** out[r] = row r · x for rows [0, rows). */
    static void multiply(String type, MemorySegment data, int rows, int cols, float[] x, float[] out) {
        switch (type) {
            case "Q4_0" -> { long rb = cols / 32 * 18L; for (int r = 0; r < rows; r++) out[r] = q4_0(data, r * rb, cols, x); }
            case "Q8_0" -> { long rb = cols / 32 * 34L; for (int r = 0; r < rows; r++) out[r] = q8_0(data, r * rb, cols, x); }
            case "F16" -> { long rb = cols * 2L; for (int r = 0; r < rows; r++) out[r] = f16(data, r * rb, cols, x); }
            case "Q4_K" -> { long rb = cols / 256 * 144L; for (int r = 0; r < rows; r++) out[r] = q4_k(data, r * rb, cols, x); }
            case "Q6_K" -> { long rb = cols / 256 * 210L; for (int r = 0; r < rows; r++) out[r] = q6_k(data, r * rb, cols, x); }
            default -> throw new IllegalArgumentException(type);
        }
    }

    private static float h(MemorySegment data, long o) {
        return Float.float16ToFloat(data.get(SHORT, o));
    }

    private static IntVector widen(MemorySegment data, long o) {
        return (IntVector) ByteVector.fromMemorySegment(Lanes.B, data, o, LE).convertShape(VectorOperators.B2I, Lanes.I, 0);
    }

    static float q4_0(MemorySegment data, long base, int cols, float[] x) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / 32; b++) {
            long o = base + (long) b * 18;
            float d = h(data, o);
            int xo = b * 32;
            FloatVector sum = FloatVector.zero(Lanes.F);
            for (int j = 0; j < 16; j += Lanes.L) {
                IntVector q = widen(data, o + 2 + j);
                FloatVector lo = (FloatVector) q.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
                FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0xF).sub(8).convert(VectorOperators.I2F, 0);
                sum = lo.fma(FloatVector.fromArray(Lanes.F, x, xo + j), sum);
                sum = hi.fma(FloatVector.fromArray(Lanes.F, x, xo + 16 + j), sum);
            }
            acc = sum.fma(FloatVector.broadcast(Lanes.F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static float q8_0(MemorySegment data, long base, int cols, float[] x) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / 32; b++) {
            long o = base + (long) b * 34;
            float d = h(data, o);
            int xo = b * 32;
            FloatVector sum = FloatVector.zero(Lanes.F);
            for (int j = 0; j < 32; j += Lanes.L) {
                ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 2 + j, LE);
                FloatVector qf = (FloatVector) q.convertShape(VectorOperators.B2F, Lanes.F, 0);
                sum = qf.fma(FloatVector.fromArray(Lanes.F, x, xo + j), sum);
            }
            acc = sum.fma(FloatVector.broadcast(Lanes.F, d), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static float f16(MemorySegment data, long base, int cols, float[] x) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int i = 0; i + Lanes.L <= cols; i += Lanes.L) {
            ShortVector hv = ShortVector.fromMemorySegment(Lanes.S, data, base + 2L * i, LE);
            acc = HalfFloat.f16ToFloat(hv).fma(FloatVector.fromArray(Lanes.F, x, i), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static int scale(MemorySegment data, long s, int j) {
        if (j < 4) return data.get(ValueLayout.JAVA_BYTE, s + j) & 63;
        return (data.get(ValueLayout.JAVA_BYTE, s + j + 4) & 0xF) | ((data.get(ValueLayout.JAVA_BYTE, s + j - 4) & 0xFF) >>> 6 << 4);
    }

    private static int min(MemorySegment data, long s, int j) {
        if (j < 4) return data.get(ValueLayout.JAVA_BYTE, s + j + 4) & 63;
        return ((data.get(ValueLayout.JAVA_BYTE, s + j + 4) & 0xFF) >>> 4) | ((data.get(ValueLayout.JAVA_BYTE, s + j) & 0xFF) >>> 6 << 4);
    }

    static float q4_k(MemorySegment data, long base, int cols, float[] x) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / 256; b++) {
            long o = base + (long) b * 144;
            float d = h(data, o), dmin = h(data, o + 2);
            for (int j = 0; j < 4; j++) {
                FloatVector d1 = FloatVector.broadcast(Lanes.F, d * scale(data, o + 4, 2 * j));
                FloatVector m1 = FloatVector.broadcast(Lanes.F, -dmin * min(data, o + 4, 2 * j));
                FloatVector d2 = FloatVector.broadcast(Lanes.F, d * scale(data, o + 4, 2 * j + 1));
                FloatVector m2 = FloatVector.broadcast(Lanes.F, -dmin * min(data, o + 4, 2 * j + 1));
                int xo = b * 256 + 64 * j;
                for (int l = 0; l < 32; l += Lanes.L) {
                    ByteVector q = ByteVector.fromMemorySegment(Lanes.B, data, o + 16 + 32 * j + l, LE);
                    FloatVector lo = (FloatVector) q.and((byte) 0xF).convertShape(VectorOperators.B2F, Lanes.F, 0);
                    FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.B2F, Lanes.F, 0);
                    acc = lo.fma(d1, m1).fma(FloatVector.fromArray(Lanes.F, x, xo + l), acc);
                    acc = hi.fma(d2, m2).fma(FloatVector.fromArray(Lanes.F, x, xo + 32 + l), acc);
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static float q6_k(MemorySegment data, long base, int cols, float[] x) {
        float[] y = GROUP.get();
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int c = 0; c < cols; c += 256) {
            q6_kBlock(data, base + (long) c / 256 * 210, y);
            for (int i = 0; i < 256; i += Lanes.L) {
                acc = FloatVector.fromArray(Lanes.F, y, i).fma(FloatVector.fromArray(Lanes.F, x, c + i), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static void q6_kBlock(MemorySegment data, long o, float[] y) {
        float d = h(data, o + 208);
        for (int n = 0; n < 2; n++) {
            long ql = o + 64 * n, qh = o + 128 + 32 * n, sc = o + 192 + 8 * n;
            int y0 = 128 * n;
            for (int l = 0; l < 32; l += Lanes.L) {
                int is = l / 16;
                IntVector a = widen(data, ql + l), c = widen(data, ql + 32 + l), hv = widen(data, qh + l);
                IntVector q1 = a.and(0xF).or(hv.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                IntVector q2 = c.and(0xF).or(hv.and(0xC).lanewise(VectorOperators.LSHL, 2)).sub(32);
                IntVector q3 = a.lanewise(VectorOperators.LSHR, 4).and(0xF).or(hv.and(0x30)).sub(32);
                IntVector q4 = c.lanewise(VectorOperators.LSHR, 4).and(0xF).or(hv.lanewise(VectorOperators.LSHR, 2).and(0x30)).sub(32);
                ((FloatVector) q1.convert(VectorOperators.I2F, 0)).mul(d * data.get(ValueLayout.JAVA_BYTE, sc + is)).intoArray(y, y0 + l);
                ((FloatVector) q2.convert(VectorOperators.I2F, 0)).mul(d * data.get(ValueLayout.JAVA_BYTE, sc + is + 2)).intoArray(y, y0 + l + 32);
                ((FloatVector) q3.convert(VectorOperators.I2F, 0)).mul(d * data.get(ValueLayout.JAVA_BYTE, sc + is + 4)).intoArray(y, y0 + l + 64);
                ((FloatVector) q4.convert(VectorOperators.I2F, 0)).mul(d * data.get(ValueLayout.JAVA_BYTE, sc + is + 6)).intoArray(y, y0 + l + 96);
            }
        }
    }
}
