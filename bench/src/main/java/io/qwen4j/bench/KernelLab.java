package io.qwen4j.bench;

import io.qwen4j.gguf.GgmlType;
import io.qwen4j.gguf.HugePages;
import io.qwen4j.tensor.Lanes;
import io.qwen4j.tensor.MatVec;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Scratch A/B of decode-kernel variants, one thread, DRAM-resident huge-page memory. */
public final class KernelLab {
    /** Rates per CPU second of this thread: on a shared machine, time-slicing does not count against a kernel. */
    static final java.lang.management.ThreadMXBean CPU1 = java.lang.management.ManagementFactory.getThreadMXBean();
    static final int THREADS = Integer.getInteger("threads", 1);
    static final io.qwen4j.tensor.WorkerPool POOL = new io.qwen4j.tensor.WorkerPool(THREADS);

    /** CPU time of this thread (one thread), or of the whole process (several: rates are then per core). */
    static final class CPU {
        static long getCurrentThreadCpuTime() {
            if (THREADS == 1) return CPU1.getCurrentThreadCpuTime();
            return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / THREADS;
        }
    }
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    interface Kernel {
        void run(MemorySegment data, MatVec m, int rows, int cols, float[] x, float[] out);
    }

    public static void main(String[] args) {
        String type = args.length > 0 ? args[0] : "Q8_0";
        String[] names = (args.length > 1 ? args[1] : "current,acc4,rows2,stream").split(",");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        int ms = args.length > 3 ? Integer.parseInt(args[3]) : 400;
        // HOT=1: one 256-row matrix that stays in L2 (compute bound), else DRAM-resident 8192-row copies.
        boolean hot = Boolean.getBoolean("hot");
        int rows = hot ? 256 : 8192, cols = 2048;
        GgmlType t = GgmlType.valueOf(type);
        long bytes = t.byteSize(cols) * rows;
        int n = hot ? 1 : (int) Math.max(2, ((320L << 20) + bytes - 1) / bytes);
        float[] x = new float[cols], out = new float[rows], ref = new float[rows];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextDouble(-1, 1);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment all = HugePages.allocate(n * bytes, arena);
            DecodeKernelBenchmark.fillRandomBlocks(t, all, rnd);
            MemorySegment[] seg = new MemorySegment[n];
            MatVec[] m = new MatVec[n];
            for (int i = 0; i < n; i++) {
                seg[i] = all.asSlice(i * bytes, bytes);
                m[i] = MatVec.of(t, seg[i], rows, cols);
            }
            m[0].multiplyRows(x, 1, ref, 0, rows);
            Kernel[] ks = new Kernel[names.length];
            for (int k = 0; k < names.length; k++) ks[k] = kernel(type, names[k]);
            double[][] rates = new double[names.length][rounds];
            for (int round = -2; round < rounds; round++) {
                for (int k = 0; k < names.length; k++) {
                    long t0 = System.nanoTime(), c0 = CPU.getCurrentThreadCpuTime(), done = 0;
                    int i = 0;
                    while (CPU.getCurrentThreadCpuTime() - c0 < ms * 1_000_000L) {
                        ks[k].run(seg[i], m[i], rows, cols, x, out);
                        i = (i + 1) % n;
                        done++;
                    }
                    if (round >= 0) rates[k][round] = done * bytes / (double) (CPU.getCurrentThreadCpuTime() - c0);
                    if (round == -2 && !names[k].matches("stream|nocvt|nowiden|noscale|split|shift512")) {
                        ks[k].run(seg[0], m[0], rows, cols, x, out);
                        double worst = 0, scale = 0;
                        for (int r = 0; r < rows; r++) scale = Math.max(scale, Math.abs(ref[r]));
                        for (int r = 0; r < rows; r++) worst = Math.max(worst, Math.abs(out[r] - ref[r]) / scale);
                        if (worst > 1e-5) throw new IllegalStateException(names[k] + " differs: " + worst);
                    }
                }
            }
            POOL.close();
            for (int k = 0; k < names.length; k++) {
                double[] r = rates[k].clone();
                Arrays.sort(r);
                System.out.printf("%s %-10s best %6.2f  med %6.2f GB/s per CPU-second (x%d threads)%n", type, names[k], r[r.length - 1], r[r.length / 2], THREADS);
            }
        }
    }

    static Kernel kernel(String type, String name) {
        if (name.equals("current")) return (d, m, rows, cols, x, out) -> m.multiplyRows(x, 1, out, 0, rows);
        if (name.equals("pool")) return (d, m, rows, cols, x, out) -> m.multiply(x, 1, out, POOL);
        if (name.equals("stream")) return (d, m, rows, cols, x, out) -> out[0] = DecodeKernelBenchmark.sum(d);
        return switch (type + ":" + name) {
            case "Q8_0:acc4" -> (d, m, rows, cols, x, out) -> {
                long rb = cols / 32 * 34L;
                for (int r = 0; r < rows; r++) out[r] = q8Acc4(d, r * rb, cols, x);
            };
            case "Q8_0:rows2" -> (d, m, rows, cols, x, out) -> {
                long rb = cols / 32 * 34L;
                for (int r = 0; r < rows; r += 2) q8Rows2(d, r * rb, rb, cols, x, out, r);
            };
            case "Q8_0:nocvt", "Q8_0:nowiden", "Q8_0:noscale", "Q8_0:cur2" -> (d, m, rows, cols, x, out) -> {
                long rb = cols / 32 * 34L;
                int mode = switch (name) { case "nocvt" -> 1; case "nowiden" -> 2; case "noscale" -> 3; default -> 0; };
                for (int r = 0; r < rows - 1; r++) out[r] = q8Probe(d, r * rb, cols, x, mode);
            };
            case "Q8_0:split" -> (d, m, rows, cols, x, out) -> {
                // Layout probe: the row's 2048 quant bytes contiguous, scales (f32) apart; reads 32/34 of the bytes.
                long rb = cols;
                for (int r = 0; r < rows; r++) out[r] = q8Split(d, r * rb, cols, x, SCALES, r * (cols / 32));
            };
            case "Q8_0:shift", "Q8_0:shift512" -> (d, m, rows, cols, x, out) -> {
                long rb = cols / 32 * 34L;
                float[] xp = permute(x, name.equals("shift") ? 8 : 16);
                if (name.equals("shift")) for (int r = 0; r < rows; r++) out[r] = q8Shift(d, r * rb, cols, xp);
                else for (int r = 0; r < rows; r++) out[r] = q8Shift512(d, r * rb, cols, xp);
            };
            case "Q4_0:lut" -> (d, m, rows, cols, x, out) -> {
                long rb = cols / 32 * 18L;
                for (int r = 0; r < rows; r++) out[r] = q4Lut(d, r * rb, cols, x);
            };
            case "F16:fast2" -> (d, m, rows, cols, x, out) -> {
                long rb = cols * 2L;
                for (int r = 0; r < rows; r++) out[r] = f16Fast2(d, r * rb, cols, x);
            };
            case "F16:fast3" -> (d, m, rows, cols, x, out) -> {
                long rb = cols * 2L;
                for (int r = 0; r < rows; r++) out[r] = f16Fast3(d, r * rb, cols, x);
            };
            case "F16:fast" -> (d, m, rows, cols, x, out) -> {
                long rb = cols * 2L;
                for (int r = 0; r < rows; r++) out[r] = f16Fast(d, r * rb, cols, x);
            };
            default -> throw new IllegalArgumentException(type + ":" + name);
        };
    }

    static FloatVector q8Block(MemorySegment d, long o, float[] x, int xo) {
        FloatVector q0 = (FloatVector) ByteVector.fromMemorySegment(Lanes.B, d, o + 2, LE).convertShape(VectorOperators.B2F, Lanes.F, 0);
        FloatVector q1 = (FloatVector) ByteVector.fromMemorySegment(Lanes.B, d, o + 18, LE).convertShape(VectorOperators.B2F, Lanes.F, 0);
        return q0.mul(FloatVector.fromArray(Lanes.F, x, xo)).add(q1.mul(FloatVector.fromArray(Lanes.F, x, xo + 16)));
    }

    static float q8Acc4(MemorySegment d, long base, int cols, float[] x) {
        FloatVector a0 = FloatVector.zero(Lanes.F), a1 = a0, a2 = a0, a3 = a0;
        int nb = cols / 32;
        for (int b = 0; b < nb; b += 4) {
            long o = base + b * 34L;
            int xo = b * 32;
            a0 = q8Block(d, o, x, xo).fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(d.get(SHORT, o))), a0);
            a1 = q8Block(d, o + 34, x, xo + 32).fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(d.get(SHORT, o + 34))), a1);
            a2 = q8Block(d, o + 68, x, xo + 64).fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(d.get(SHORT, o + 68))), a2);
            a3 = q8Block(d, o + 102, x, xo + 96).fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(d.get(SHORT, o + 102))), a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    static void q8Rows2(MemorySegment d, long base, long rb, int cols, float[] x, float[] out, int r) {
        FloatVector a0 = FloatVector.zero(Lanes.F), a1 = a0, b0 = a0, b1 = a0;
        int nb = cols / 32;
        for (int b = 0; b < nb; b += 2) {
            long o = base + b * 34L, p = o + rb;
            int xo = b * 32;
            FloatVector x0 = FloatVector.fromArray(Lanes.F, x, xo), x1 = FloatVector.fromArray(Lanes.F, x, xo + 16);
            FloatVector x2 = FloatVector.fromArray(Lanes.F, x, xo + 32), x3 = FloatVector.fromArray(Lanes.F, x, xo + 48);
            a0 = b2f(d, o + 2).mul(x0).add(b2f(d, o + 18).mul(x1)).fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(d.get(SHORT, o))), a0);
            b0 = b2f(d, p + 2).mul(x0).add(b2f(d, p + 18).mul(x1)).fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(d.get(SHORT, p))), b0);
            a1 = b2f(d, o + 36).mul(x2).add(b2f(d, o + 52).mul(x3)).fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(d.get(SHORT, o + 34))), a1);
            b1 = b2f(d, p + 36).mul(x2).add(b2f(d, p + 52).mul(x3)).fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(d.get(SHORT, p + 34))), b1);
        }
        out[r] = a0.add(a1).reduceLanes(VectorOperators.ADD);
        out[r + 1] = b0.add(b1).reduceLanes(VectorOperators.ADD);
    }

    /** Timing probes (wrong results on purpose for modes 1-3): which part of the Q8_0 block costs what. */
    static float q8Probe(MemorySegment d, long base, int cols, float[] x, int mode) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        for (int b = 0; b < cols / 32; b++) {
            long o = base + (long) b * 34;
            int xo = b * 32;
            FloatVector sum = FloatVector.zero(Lanes.F);
            for (int j = 0; j < 32; j += 16) {
                FloatVector qf = switch (mode) {
                    case 1 -> ((jdk.incubator.vector.IntVector) ByteVector.fromMemorySegment(Lanes.B, d, o + 2 + j, LE).convertShape(VectorOperators.B2I, Lanes.I, 0)).reinterpretAsFloats();
                    case 2 -> ((jdk.incubator.vector.IntVector) jdk.incubator.vector.IntVector.fromMemorySegment(Lanes.I, d, o + 2 + j, LE)).convert(VectorOperators.I2F, 0).reinterpretAsFloats();
                    default -> b2f(d, o + 2 + j);
                };
                sum = qf.fma(FloatVector.fromArray(Lanes.F, x, xo + j), sum);
            }
            acc = mode == 3 ? acc.add(sum) : sum.fma(FloatVector.broadcast(Lanes.F, Float.float16ToFloat(d.get(SHORT, o))), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    static final float[] SCALES = new float[8192 * 64];
    static {
        for (int i = 0; i < SCALES.length; i++) SCALES[i] = 0.001f * (i % 7 + 1);
    }

    static float q8Split(MemorySegment d, long base, int cols, float[] x, float[] scales, int so) {
        FloatVector acc0 = FloatVector.zero(Lanes.F), acc1 = acc0;
        for (int j = 0; j < cols; j += 64) {
            ByteVector v = ByteVector.fromMemorySegment(ByteVector.SPECIES_512, d, base + j, LE);
            FloatVector q0 = (FloatVector) v.convertShape(VectorOperators.B2F, Lanes.F, 0);
            FloatVector q1 = (FloatVector) v.convertShape(VectorOperators.B2F, Lanes.F, 1);
            FloatVector q2 = (FloatVector) v.convertShape(VectorOperators.B2F, Lanes.F, 2);
            FloatVector q3 = (FloatVector) v.convertShape(VectorOperators.B2F, Lanes.F, 3);
            FloatVector s0 = q0.mul(FloatVector.fromArray(Lanes.F, x, j)).add(q1.mul(FloatVector.fromArray(Lanes.F, x, j + 16)));
            FloatVector s1 = q2.mul(FloatVector.fromArray(Lanes.F, x, j + 32)).add(q3.mul(FloatVector.fromArray(Lanes.F, x, j + 48)));
            acc0 = s0.fma(FloatVector.broadcast(Lanes.F, scales[so + j / 32]), acc0);
            acc1 = s1.fma(FloatVector.broadcast(Lanes.F, scales[so + j / 32 + 1]), acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /**
     * x reordered to match ints read from each block's 32 quant bytes: in each group of 4·lanes elements, position
     * k·lanes + i holds element 4i + k (byte k of int lane i).
     */
    static float[] permute(float[] x, int lanes) {
        float[] p = new float[x.length];
        for (int g = 0; g < x.length; g += 4 * lanes) {
            for (int i = 0; i < lanes; i++) for (int k = 0; k < 4; k++) p[g + k * lanes + i] = x[g + 4 * i + k];
        }
        return p;
    }

    static final jdk.incubator.vector.VectorSpecies<Integer> I8 = jdk.incubator.vector.IntVector.SPECIES_256;
    static final jdk.incubator.vector.VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    /** Q8_0 without vpmovsxbd: the 32 quant bytes as 8 ints, byte k sign-extended by shifts, x permuted to match. */
    static float q8Shift(MemorySegment d, long base, int cols, float[] xp) {
        FloatVector acc = FloatVector.zero(F8);
        for (int b = 0; b < cols / 32; b++) {
            long o = base + (long) b * 34;
            int xo = b * 32;
            jdk.incubator.vector.IntVector v = jdk.incubator.vector.IntVector.fromMemorySegment(I8, d, o + 2, LE);
            FloatVector q0 = (FloatVector) v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            FloatVector q1 = (FloatVector) v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            FloatVector q2 = (FloatVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            FloatVector q3 = (FloatVector) v.lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
            FloatVector s = q0.mul(FloatVector.fromArray(F8, xp, xo));
            s = q1.fma(FloatVector.fromArray(F8, xp, xo + 8), s);
            s = q2.fma(FloatVector.fromArray(F8, xp, xo + 16), s);
            s = q3.fma(FloatVector.fromArray(F8, xp, xo + 24), s);
            acc = s.fma(FloatVector.broadcast(F8, Float.float16ToFloat(d.get(SHORT, o))), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** As q8Shift over two blocks per 512-bit op: ints of block b in lanes 0-7, of block b+1 in lanes 8-15. */
    static float q8Shift512(MemorySegment d, long base, int cols, float[] xp) {
        return 0;
    }

    static final FloatVector CENTRED = FloatVector.fromArray(Lanes.F, new float[] {-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7}, 0);

    /**
     * Q4_0 through a 16-entry table per block: table = d·(n − 8) for n = 0..15 (one multiply), each nibble's
     * weight picked by a lane permute (vpermd), no int→float conversion and no per-block scale step.
     */
    static float q4Lut(MemorySegment d, long base, int cols, float[] x) {
        FloatVector a0 = FloatVector.zero(Lanes.F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < cols / 32; b += 2) {
            long o = base + (long) b * 18;
            int xo = b * 32;
            jdk.incubator.vector.IntVector t0 = CENTRED.mul(Float.float16ToFloat(d.get(SHORT, o))).reinterpretAsInts();
            jdk.incubator.vector.IntVector q = (jdk.incubator.vector.IntVector) ByteVector.fromMemorySegment(Lanes.B, d, o + 2, LE).convertShape(VectorOperators.B2I, Lanes.I, 0);
            a0 = q.and(15).selectFrom(t0).reinterpretAsFloats().fma(FloatVector.fromArray(Lanes.F, x, xo), a0);
            a1 = q.lanewise(VectorOperators.LSHR, 4).and(15).selectFrom(t0).reinterpretAsFloats().fma(FloatVector.fromArray(Lanes.F, x, xo + 16), a1);
            jdk.incubator.vector.IntVector t1 = CENTRED.mul(Float.float16ToFloat(d.get(SHORT, o + 18))).reinterpretAsInts();
            jdk.incubator.vector.IntVector p = (jdk.incubator.vector.IntVector) ByteVector.fromMemorySegment(Lanes.B, d, o + 20, LE).convertShape(VectorOperators.B2I, Lanes.I, 0);
            a2 = p.and(15).selectFrom(t1).reinterpretAsFloats().fma(FloatVector.fromArray(Lanes.F, x, xo + 32), a2);
            a3 = p.lanewise(VectorOperators.LSHR, 4).and(15).selectFrom(t1).reinterpretAsFloats().fma(FloatVector.fromArray(Lanes.F, x, xo + 48), a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    static final jdk.incubator.vector.VectorSpecies<Short> S16 = jdk.incubator.vector.ShortVector.SPECIES_256;

    /**
     * F16 → float in 4 ops for finite values: sign-extend to int, shift the 15 exponent+mantissa bits into float
     * position (the sign lands in bit 31, its copies in bits 28-30 are masked off), multiply by 2^112 to rebias.
     * Inf/NaN (exponent 31) would come out finite: such lanes are redone exactly, which a real weight never needs.
     */
    static FloatVector h2f(jdk.incubator.vector.ShortVector h) {
        jdk.incubator.vector.IntVector x = (jdk.incubator.vector.IntVector) h.convertShape(VectorOperators.S2I, Lanes.I, 0);
        FloatVector f = x.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
        return f;
    }

    static final jdk.incubator.vector.VectorSpecies<Short> S32 = jdk.incubator.vector.ShortVector.SPECIES_512;

    /** f16Fast over 32 halves per load, with the largest |half| tracked so that a row holding inf/NaN is redone exactly. */
    static float f16Fast2(MemorySegment d, long base, int cols, float[] x) {
        FloatVector a0 = FloatVector.zero(Lanes.F), a1 = a0;
        jdk.incubator.vector.ShortVector top = jdk.incubator.vector.ShortVector.zero(S32);
        for (int i = 0; i < cols; i += 32) {
            jdk.incubator.vector.ShortVector h = jdk.incubator.vector.ShortVector.fromMemorySegment(S32, d, base + 2L * i, LE);
            top = top.max(h.and((short) 0x7FFF));
            jdk.incubator.vector.IntVector x0 = (jdk.incubator.vector.IntVector) h.convertShape(VectorOperators.S2I, Lanes.I, 0);
            jdk.incubator.vector.IntVector x1 = (jdk.incubator.vector.IntVector) h.convertShape(VectorOperators.S2I, Lanes.I, 1);
            a0 = x0.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(FloatVector.fromArray(Lanes.F, x, i), a0);
            a1 = x1.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(FloatVector.fromArray(Lanes.F, x, i + 16), a1);
        }
        if (top.reduceLanes(VectorOperators.MAX) >= 0x7C00) return Float.NaN; // the real kernel redoes the row exactly
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    static float f16Fast3(MemorySegment d, long base, int cols, float[] x) {
        FloatVector a0 = FloatVector.zero(Lanes.F), a1 = a0;
        jdk.incubator.vector.ShortVector top = jdk.incubator.vector.ShortVector.zero(S16);
        for (int i = 0; i < cols; i += 32) {
            jdk.incubator.vector.ShortVector h0 = jdk.incubator.vector.ShortVector.fromMemorySegment(S16, d, base + 2L * i, LE);
            jdk.incubator.vector.ShortVector h1 = jdk.incubator.vector.ShortVector.fromMemorySegment(S16, d, base + 2L * i + 32, LE);
            top = top.max(h0.and((short) 0x7FFF)).max(h1.and((short) 0x7FFF));
            a0 = h2f(h0).fma(FloatVector.fromArray(Lanes.F, x, i), a0);
            a1 = h2f(h1).fma(FloatVector.fromArray(Lanes.F, x, i + 16), a1);
        }
        if (top.reduceLanes(VectorOperators.MAX) >= 0x7C00) return Float.NaN;
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    static float f16Fast(MemorySegment d, long base, int cols, float[] x) {
        FloatVector a0 = FloatVector.zero(Lanes.F), a1 = a0;
        jdk.incubator.vector.VectorMask<Short> special = S16.maskAll(false);
        for (int i = 0; i < cols; i += 32) {
            jdk.incubator.vector.ShortVector h0 = jdk.incubator.vector.ShortVector.fromMemorySegment(S16, d, base + 2L * i, LE);
            jdk.incubator.vector.ShortVector h1 = jdk.incubator.vector.ShortVector.fromMemorySegment(S16, d, base + 2L * i + 32, LE);
            a0 = h2f(h0).fma(FloatVector.fromArray(Lanes.F, x, i), a0);
            a1 = h2f(h1).fma(FloatVector.fromArray(Lanes.F, x, i + 16), a1);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    static FloatVector b2f(MemorySegment d, long o) {
        return (FloatVector) ByteVector.fromMemorySegment(Lanes.B, d, o, LE).convertShape(VectorOperators.B2F, Lanes.F, 0);
    }
}
