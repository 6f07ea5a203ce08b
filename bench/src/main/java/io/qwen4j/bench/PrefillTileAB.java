package io.qwen4j.bench;

import io.qwen4j.tensor.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.util.SplittableRandom;

/**
 * The prefill register tile in isolation, one thread: a 64-row float tile (already decoded, as MatVec keeps
 * it in L2) times {@code n} activation rows, 4×4 (rows × tokens) blocks against 4×6 blocks, interleaved
 * round by round; best and median GFLOP/s. Measured on the 2-core AVX-512 Zen 4 machine (JDK 25): 4×4 runs at
 * 80-86 GFLOP/s per thread (of ~112 peak), 4×6 at ~12: with 24 live accumulators C2's code falls apart, so
 * MatVec keeps 4×4.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.qwen4j.bench.PrefillTileAB [cols=2048] [n=48]</pre>
 */
public final class PrefillTileAB {
    /** Rates per CPU second of this thread: time-slicing on a shared machine does not count against a kernel. */
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        int cols = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 48;
        int rows = 64, rounds = 7;
        SplittableRandom rnd = new SplittableRandom(3);
        float[] w = new float[rows * cols], x = new float[n * cols], a = new float[n * rows], b = new float[n * rows];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextDouble(-1, 1);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextDouble(-1, 1);
        // The tile transposed (k-major: wt[k·rows + r]) for the outer-product kernel.
        float[] wt = new float[rows * cols];
        for (int r = 0; r < rows; r++) for (int k = 0; k < cols; k++) wt[k * rows + r] = w[r * cols + k];
        double[][] rates = new double[2][rounds];
        for (int round = -3; round < rounds; round++) {
            for (int k = 0; k < 2; k++) {
                long t0 = CPU.getCurrentThreadCpuTime(), flops = 0;
                while (CPU.getCurrentThreadCpuTime() - t0 < 300_000_000L) {
                    if (k == 0) tile4x4(w, rows, x, n, cols, a);
                    else if (OUTER > 0) outer(wt, rows, x, n, cols, b, OUTER);
                    else if (KC == 0) tile4x6(w, rows, x, n, cols, b);
                    else tile4x4k(w, rows, x, n, cols, b, KC);
                    flops += 2L * rows * n * cols;
                }
                if (round >= 0) rates[k][round] = flops / (double) (CPU.getCurrentThreadCpuTime() - t0);
            }
        }
        for (int i = 0; i < a.length; i++) {
            if (i / rows < (OUTER > 0 ? n / OUTER * OUTER : KC == 0 ? n / 6 * 6 : n / 4 * 4) && Math.abs(a[i] - b[i]) > 1e-3 * (1 + Math.abs(a[i]))) throw new IllegalStateException("4x6 differs at " + i);
        }
        for (int k = 0; k < 2; k++) {
            java.util.Arrays.sort(rates[k]);
            System.out.printf("%s cols %d n %d: best %.1f med %.1f GFLOP/s%n", k == 0 ? "4x4" : OUTER > 0 ? "outer " + OUTER + " tokens x 64 rows" : KC == 0 ? "4x6" : "4x4 k" + KC, cols, n, rates[k][rounds - 1], rates[k][rounds / 2]);
        }
    }

    /** 0: the second kernel is 4x6; else 4x4 over k-chunks of this many floats (so a chunk of 4 + 4 rows stays in L1). */
    static final int KC = Integer.getInteger("kc", 0);

    /** Tokens per outer-product block (0: the second kernel is not the outer product). */
    static final int OUTER = Integer.getInteger("outer", 0);

    /**
     * Outer-product form over a k-major tile: for each k, 4 vectors of 16 rows' weights times a broadcast
     * activation of each of {@code tb} tokens; accumulators are outputs for 64 rows, no horizontal sums.
     */
    static void outer(float[] wt, int m, float[] x, int n, int cols, float[] out, int tb) {
        int t = 0;
        for (; t + tb <= n; t += tb) {
            for (int i = 0; i + 64 <= m; i += 64) {
                if (tb == 4) outer4x4(wt, m, i, x, t * cols, cols, out, t * m + i);
                else outer6x4(wt, m, i, x, t * cols, cols, out, t * m + i);
            }
        }
    }

    private static void outer4x4(float[] wt, int m, int r0, float[] x, int xo, int cols, float[] out, int oo) {
        FloatVector a00 = FloatVector.zero(Lanes.F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int k = 0; k < cols; k++) {
            int wo = k * m + r0;
            FloatVector w0 = FloatVector.fromArray(Lanes.F, wt, wo), w1 = FloatVector.fromArray(Lanes.F, wt, wo + 16);
            FloatVector w2 = FloatVector.fromArray(Lanes.F, wt, wo + 32), w3 = FloatVector.fromArray(Lanes.F, wt, wo + 48);
            FloatVector b = FloatVector.broadcast(Lanes.F, x[xo + k]);
            a00 = w0.fma(b, a00); a01 = w1.fma(b, a01); a02 = w2.fma(b, a02); a03 = w3.fma(b, a03);
            b = FloatVector.broadcast(Lanes.F, x[xo + cols + k]);
            a10 = w0.fma(b, a10); a11 = w1.fma(b, a11); a12 = w2.fma(b, a12); a13 = w3.fma(b, a13);
            b = FloatVector.broadcast(Lanes.F, x[xo + 2 * cols + k]);
            a20 = w0.fma(b, a20); a21 = w1.fma(b, a21); a22 = w2.fma(b, a22); a23 = w3.fma(b, a23);
            b = FloatVector.broadcast(Lanes.F, x[xo + 3 * cols + k]);
            a30 = w0.fma(b, a30); a31 = w1.fma(b, a31); a32 = w2.fma(b, a32); a33 = w3.fma(b, a33);
        }
        a00.intoArray(out, oo); a01.intoArray(out, oo + 16); a02.intoArray(out, oo + 32); a03.intoArray(out, oo + 48);
        a10.intoArray(out, oo + m); a11.intoArray(out, oo + m + 16); a12.intoArray(out, oo + m + 32); a13.intoArray(out, oo + m + 48);
        a20.intoArray(out, oo + 2 * m); a21.intoArray(out, oo + 2 * m + 16); a22.intoArray(out, oo + 2 * m + 32); a23.intoArray(out, oo + 2 * m + 48);
        a30.intoArray(out, oo + 3 * m); a31.intoArray(out, oo + 3 * m + 16); a32.intoArray(out, oo + 3 * m + 32); a33.intoArray(out, oo + 3 * m + 48);
    }

    private static void outer6x4(float[] wt, int m, int r0, float[] x, int xo, int cols, float[] out, int oo) {
        FloatVector a00 = FloatVector.zero(Lanes.F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        FloatVector a40 = a00, a41 = a00, a42 = a00, a43 = a00;
        FloatVector a50 = a00, a51 = a00, a52 = a00, a53 = a00;
        for (int k = 0; k < cols; k++) {
            int wo = k * m + r0;
            FloatVector w0 = FloatVector.fromArray(Lanes.F, wt, wo), w1 = FloatVector.fromArray(Lanes.F, wt, wo + 16);
            FloatVector w2 = FloatVector.fromArray(Lanes.F, wt, wo + 32), w3 = FloatVector.fromArray(Lanes.F, wt, wo + 48);
            FloatVector b = FloatVector.broadcast(Lanes.F, x[xo + k]);
            a00 = w0.fma(b, a00); a01 = w1.fma(b, a01); a02 = w2.fma(b, a02); a03 = w3.fma(b, a03);
            b = FloatVector.broadcast(Lanes.F, x[xo + cols + k]);
            a10 = w0.fma(b, a10); a11 = w1.fma(b, a11); a12 = w2.fma(b, a12); a13 = w3.fma(b, a13);
            b = FloatVector.broadcast(Lanes.F, x[xo + 2 * cols + k]);
            a20 = w0.fma(b, a20); a21 = w1.fma(b, a21); a22 = w2.fma(b, a22); a23 = w3.fma(b, a23);
            b = FloatVector.broadcast(Lanes.F, x[xo + 3 * cols + k]);
            a30 = w0.fma(b, a30); a31 = w1.fma(b, a31); a32 = w2.fma(b, a32); a33 = w3.fma(b, a33);
            b = FloatVector.broadcast(Lanes.F, x[xo + 4 * cols + k]);
            a40 = w0.fma(b, a40); a41 = w1.fma(b, a41); a42 = w2.fma(b, a42); a43 = w3.fma(b, a43);
            b = FloatVector.broadcast(Lanes.F, x[xo + 5 * cols + k]);
            a50 = w0.fma(b, a50); a51 = w1.fma(b, a51); a52 = w2.fma(b, a52); a53 = w3.fma(b, a53);
        }
        a00.intoArray(out, oo); a01.intoArray(out, oo + 16); a02.intoArray(out, oo + 32); a03.intoArray(out, oo + 48);
        a10.intoArray(out, oo + m); a11.intoArray(out, oo + m + 16); a12.intoArray(out, oo + m + 32); a13.intoArray(out, oo + m + 48);
        a20.intoArray(out, oo + 2 * m); a21.intoArray(out, oo + 2 * m + 16); a22.intoArray(out, oo + 2 * m + 32); a23.intoArray(out, oo + 2 * m + 48);
        a30.intoArray(out, oo + 3 * m); a31.intoArray(out, oo + 3 * m + 16); a32.intoArray(out, oo + 3 * m + 32); a33.intoArray(out, oo + 3 * m + 48);
        a40.intoArray(out, oo + 4 * m); a41.intoArray(out, oo + 4 * m + 16); a42.intoArray(out, oo + 4 * m + 32); a43.intoArray(out, oo + 4 * m + 48);
        a50.intoArray(out, oo + 5 * m); a51.intoArray(out, oo + 5 * m + 16); a52.intoArray(out, oo + 5 * m + 32); a53.intoArray(out, oo + 5 * m + 48);
    }

    static void tile4x4k(float[] w, int m, float[] x, int n, int cols, float[] out, int kc) {
        java.util.Arrays.fill(out, 0, n / 4 * 4 * m, 0f);
        for (int k0 = 0; k0 < cols; k0 += kc) {
            int len = Math.min(kc, cols - k0);
            for (int t = 0; t + 4 <= n; t += 4) {
                for (int i = 0; i + 4 <= m; i += 4) block4x4k(w, i * cols + k0, x, t * cols + k0, len, cols, out, t * m + i, m);
            }
        }
    }

    private static void block4x4k(float[] w, int wo, float[] x, int xo, int len, int n, float[] out, int oo, int ld) {
        FloatVector a00 = FloatVector.zero(Lanes.F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int k = 0; k < len; k += Lanes.L) {
            FloatVector w0 = FloatVector.fromArray(Lanes.F, w, wo + k);
            FloatVector w1 = FloatVector.fromArray(Lanes.F, w, wo + n + k);
            FloatVector w2 = FloatVector.fromArray(Lanes.F, w, wo + 2 * n + k);
            FloatVector w3 = FloatVector.fromArray(Lanes.F, w, wo + 3 * n + k);
            FloatVector xv = FloatVector.fromArray(Lanes.F, x, xo + k);
            a00 = w0.fma(xv, a00); a01 = w1.fma(xv, a01); a02 = w2.fma(xv, a02); a03 = w3.fma(xv, a03);
            xv = FloatVector.fromArray(Lanes.F, x, xo + n + k);
            a10 = w0.fma(xv, a10); a11 = w1.fma(xv, a11); a12 = w2.fma(xv, a12); a13 = w3.fma(xv, a13);
            xv = FloatVector.fromArray(Lanes.F, x, xo + 2 * n + k);
            a20 = w0.fma(xv, a20); a21 = w1.fma(xv, a21); a22 = w2.fma(xv, a22); a23 = w3.fma(xv, a23);
            xv = FloatVector.fromArray(Lanes.F, x, xo + 3 * n + k);
            a30 = w0.fma(xv, a30); a31 = w1.fma(xv, a31); a32 = w2.fma(xv, a32); a33 = w3.fma(xv, a33);
        }
        add4(out, oo, a00, a01, a02, a03);
        add4(out, oo + ld, a10, a11, a12, a13);
        add4(out, oo + 2 * ld, a20, a21, a22, a23);
        add4(out, oo + 3 * ld, a30, a31, a32, a33);
    }

    private static void add4(float[] out, int o, FloatVector a, FloatVector b, FloatVector c, FloatVector d) {
        out[o] += a.reduceLanes(VectorOperators.ADD);
        out[o + 1] += b.reduceLanes(VectorOperators.ADD);
        out[o + 2] += c.reduceLanes(VectorOperators.ADD);
        out[o + 3] += d.reduceLanes(VectorOperators.ADD);
    }

    static void tile4x4(float[] w, int m, float[] x, int n, int cols, float[] out) {
        for (int t = 0; t + 4 <= n; t += 4) {
            for (int i = 0; i + 4 <= m; i += 4) block4x4(w, i * cols, x, t * cols, cols, out, t * m + i, m);
        }
    }

    static void tile4x6(float[] w, int m, float[] x, int n, int cols, float[] out) {
        int t = 0;
        for (; t + 6 <= n; t += 6) {
            for (int i = 0; i + 4 <= m; i += 4) block4x6(w, i * cols, x, t * cols, cols, out, t * m + i, m);
        }
        for (; t + 4 <= n; t += 4) {
            for (int i = 0; i + 4 <= m; i += 4) block4x4(w, i * cols, x, t * cols, cols, out, t * m + i, m);
        }
    }

    private static void block4x4(float[] w, int wo, float[] x, int xo, int n, float[] out, int oo, int ld) {
        FloatVector a00 = FloatVector.zero(Lanes.F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int k = 0; k < n; k += Lanes.L) {
            FloatVector w0 = FloatVector.fromArray(Lanes.F, w, wo + k);
            FloatVector w1 = FloatVector.fromArray(Lanes.F, w, wo + n + k);
            FloatVector w2 = FloatVector.fromArray(Lanes.F, w, wo + 2 * n + k);
            FloatVector w3 = FloatVector.fromArray(Lanes.F, w, wo + 3 * n + k);
            FloatVector xv = FloatVector.fromArray(Lanes.F, x, xo + k);
            a00 = w0.fma(xv, a00); a01 = w1.fma(xv, a01); a02 = w2.fma(xv, a02); a03 = w3.fma(xv, a03);
            xv = FloatVector.fromArray(Lanes.F, x, xo + n + k);
            a10 = w0.fma(xv, a10); a11 = w1.fma(xv, a11); a12 = w2.fma(xv, a12); a13 = w3.fma(xv, a13);
            xv = FloatVector.fromArray(Lanes.F, x, xo + 2 * n + k);
            a20 = w0.fma(xv, a20); a21 = w1.fma(xv, a21); a22 = w2.fma(xv, a22); a23 = w3.fma(xv, a23);
            xv = FloatVector.fromArray(Lanes.F, x, xo + 3 * n + k);
            a30 = w0.fma(xv, a30); a31 = w1.fma(xv, a31); a32 = w2.fma(xv, a32); a33 = w3.fma(xv, a33);
        }
        store4(out, oo, a00, a01, a02, a03);
        store4(out, oo + ld, a10, a11, a12, a13);
        store4(out, oo + 2 * ld, a20, a21, a22, a23);
        store4(out, oo + 3 * ld, a30, a31, a32, a33);
    }

    private static void block4x6(float[] w, int wo, float[] x, int xo, int n, float[] out, int oo, int ld) {
        FloatVector a00 = FloatVector.zero(Lanes.F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        FloatVector a40 = a00, a41 = a00, a42 = a00, a43 = a00;
        FloatVector a50 = a00, a51 = a00, a52 = a00, a53 = a00;
        for (int k = 0; k < n; k += Lanes.L) {
            FloatVector w0 = FloatVector.fromArray(Lanes.F, w, wo + k);
            FloatVector w1 = FloatVector.fromArray(Lanes.F, w, wo + n + k);
            FloatVector w2 = FloatVector.fromArray(Lanes.F, w, wo + 2 * n + k);
            FloatVector w3 = FloatVector.fromArray(Lanes.F, w, wo + 3 * n + k);
            FloatVector xv = FloatVector.fromArray(Lanes.F, x, xo + k);
            a00 = w0.fma(xv, a00); a01 = w1.fma(xv, a01); a02 = w2.fma(xv, a02); a03 = w3.fma(xv, a03);
            xv = FloatVector.fromArray(Lanes.F, x, xo + n + k);
            a10 = w0.fma(xv, a10); a11 = w1.fma(xv, a11); a12 = w2.fma(xv, a12); a13 = w3.fma(xv, a13);
            xv = FloatVector.fromArray(Lanes.F, x, xo + 2 * n + k);
            a20 = w0.fma(xv, a20); a21 = w1.fma(xv, a21); a22 = w2.fma(xv, a22); a23 = w3.fma(xv, a23);
            xv = FloatVector.fromArray(Lanes.F, x, xo + 3 * n + k);
            a30 = w0.fma(xv, a30); a31 = w1.fma(xv, a31); a32 = w2.fma(xv, a32); a33 = w3.fma(xv, a33);
            xv = FloatVector.fromArray(Lanes.F, x, xo + 4 * n + k);
            a40 = w0.fma(xv, a40); a41 = w1.fma(xv, a41); a42 = w2.fma(xv, a42); a43 = w3.fma(xv, a43);
            xv = FloatVector.fromArray(Lanes.F, x, xo + 5 * n + k);
            a50 = w0.fma(xv, a50); a51 = w1.fma(xv, a51); a52 = w2.fma(xv, a52); a53 = w3.fma(xv, a53);
        }
        store4(out, oo, a00, a01, a02, a03);
        store4(out, oo + ld, a10, a11, a12, a13);
        store4(out, oo + 2 * ld, a20, a21, a22, a23);
        store4(out, oo + 3 * ld, a30, a31, a32, a33);
        store4(out, oo + 4 * ld, a40, a41, a42, a43);
        store4(out, oo + 5 * ld, a50, a51, a52, a53);
    }

    private static void store4(float[] out, int o, FloatVector a, FloatVector b, FloatVector c, FloatVector d) {
        out[o] = a.reduceLanes(VectorOperators.ADD);
        out[o + 1] = b.reduceLanes(VectorOperators.ADD);
        out[o + 2] = c.reduceLanes(VectorOperators.ADD);
        out[o + 3] = d.reduceLanes(VectorOperators.ADD);
    }
}
