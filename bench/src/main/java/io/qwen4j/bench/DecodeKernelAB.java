package io.qwen4j.bench;

import io.qwen4j.gguf.GgmlType;
import io.qwen4j.tensor.MatVec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The decode kernels A/B'd in one JVM, one thread, on a loaded machine: each round runs every kernel of a
 * type for ~{@code ms} milliseconds over the same DRAM-sized set of matrices ({@link DecodeKernelBenchmark}'s
 * setup), kernels interleaved round by round so that load changes hit all alike; reports the best round's
 * GB/s (what the kernel can do when it gets the core) and the median.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.qwen4j.bench.DecodeKernelAB \
 *     [types=Q4_0,Q8_0,F16,Q6_K,Q4_K] [kernels=baseline,current,interleaved,stream] [rounds=7] [ms=400]</pre>
 */
public final class DecodeKernelAB {

    public static void main(String[] args) {
        String[] types = (args.length > 0 ? args[0] : "Q4_0,Q8_0,F16,Q6_K,Q4_K").split(",");
        String[] kernels = (args.length > 1 ? args[1] : "baseline,current,stream").split(",");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        int ms = args.length > 3 ? Integer.parseInt(args[3]) : 400;
        int rows = DecodeKernelBenchmark.ROWS, cols = DecodeKernelBenchmark.COLS;
        float[] x = new float[cols], out = new float[rows], ref = new float[rows];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextDouble(-1, 1);
        for (String type : types) {
            GgmlType t = GgmlType.valueOf(type);
            long bytes = t.byteSize(cols) * rows;
            int n = (int) Math.max(2, (DecodeKernelBenchmark.WORKING_SET + bytes - 1) / bytes);
            try (Arena arena = Arena.ofShared()) {
                MemorySegment[] copies = new MemorySegment[n];
                MatVec[] m = new MatVec[n], inter = new MatVec[n];
                for (int i = 0; i < n; i++) {
                    copies[i] = arena.allocate(bytes, 64);
                    DecodeKernelBenchmark.fillRandomBlocks(t, copies[i], rnd);
                    m[i] = MatVec.of(t, copies[i], rows, cols);
                    MemorySegment copy = arena.allocate(bytes, 64);
                    copy.copyFrom(copies[i]);
                    inter[i] = MatVec.interleave(t, copy, rows, cols, null);
                }
                BaselineDecodeKernels.multiply(type, copies[0], rows, cols, x, ref);
                List<double[]> rates = new ArrayList<>();
                for (String k : kernels) rates.add(new double[rounds]);
                for (int round = -2; round < rounds; round++) { // two warm-up rounds
                    for (int ki = 0; ki < kernels.length; ki++) {
                        long t0 = System.nanoTime(), done = 0;
                        int i = 0;
                        while (System.nanoTime() - t0 < ms * 1_000_000L) {
                            run(kernels[ki], type, copies[i], kernels[ki].equals("interleaved") ? inter[i] : m[i], rows, cols, x, out);
                            i = (i + 1) % n;
                            done++;
                        }
                        double gbs = done * bytes / (double) (System.nanoTime() - t0);
                        if (round >= 0) rates.get(ki)[round] = gbs;
                        if (round == -2) check(kernels[ki], type, copies[0], kernels[ki].equals("interleaved") ? inter[0] : m[0], rows, cols, x, out, ref);
                    }
                }
                StringBuilder line = new StringBuilder(String.format("%-5s %6.1f MB", type, bytes / 1e6));
                for (int ki = 0; ki < kernels.length; ki++) {
                    double[] r = rates.get(ki).clone();
                    java.util.Arrays.sort(r);
                    line.append(String.format("  %s best %5.2f med %5.2f GB/s", kernels[ki], r[r.length - 1], r[r.length / 2]));
                }
                System.out.println(line);
            }
        }
    }

    private static void run(String kernel, String type, MemorySegment data, MatVec m, int rows, int cols, float[] x, float[] out) {
        switch (kernel) {
            case "baseline" -> BaselineDecodeKernels.multiply(type, data, rows, cols, x, out);
            case "current", "interleaved" -> m.multiplyRows(x, 1, out, 0, rows);
            case "stream" -> out[0] = DecodeKernelBenchmark.sum(data);
            default -> throw new IllegalArgumentException("kernel " + kernel + ": baseline, current or stream");
        }
    }

    private static void check(String kernel, String type, MemorySegment data, MatVec m, int rows, int cols, float[] x, float[] out, float[] ref) {
        if (kernel.equals("stream")) return;
        run(kernel, type, data, m, rows, cols, x, out);
        double worst = 0, scale = 0;
        for (int r = 0; r < rows; r++) scale = Math.max(scale, Math.abs(ref[r]));
        for (int r = 0; r < rows; r++) worst = Math.max(worst, Math.abs(out[r] - ref[r]) / scale);
        if (worst > 1e-5) throw new IllegalStateException(kernel + " " + type + " differs from the baseline: " + worst);
    }
}
