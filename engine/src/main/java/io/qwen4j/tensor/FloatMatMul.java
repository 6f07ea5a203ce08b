package io.qwen4j.tensor;

import jdk.incubator.vector.FloatVector;

/**
 * float32 matrix × matrix for the vision tower and batched products, where every product has many rows:
 * register tiles of 4 rows × 3 vectors (12 accumulators, each loaded B vector and broadcast A value used
 * 4 and 3 times), B read k-major so that its vectors are contiguous.
 *
 * <p>{@link #linear} multiplies activations by a weight matrix in any ggml format: each thread decodes a
 * panel of 3 vectors' worth of weight rows once, transposed, and runs every activation row against it,
 * k-block by k-block so that the panel block stays in cache.
 */
public final class FloatMatMul {
    private FloatMatMul() {
    }

    private static final int L = Lanes.L, NR = 3 * L, K_BLOCK = 256;
    private static final ThreadLocal<float[][]> PANEL = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

    /**
     * {@code out[t·rows + r] = Σ_c x[t·cols + c] · W[r, c]} for {@code t < n}: the same result layout as
     * {@link MatVec#multiply}, on the pool's threads.
     */
    public static void linear(MatVec w, float[] x, int n, float[] out, WorkerPool pool) {
        int rows = w.rows(), cols = w.cols();
        int panels = (rows + NR - 1) / NR;
        pool.parallelFor(panels, 1, (p0, p1) -> {
            float[][] buffers = PANEL.get();
            if (buffers[0].length < cols * NR) buffers[0] = new float[cols * NR];
            if (buffers[1].length < cols) buffers[1] = new float[cols];
            float[] panel = buffers[0], row = buffers[1];
            for (int p = p0; p < p1; p++) {
                int r0 = p * NR, nr = Math.min(NR, rows - r0);
                for (int rr = 0; rr < nr; rr++) {
                    w.dequantizeRow(r0 + rr, row, 0);
                    for (int c = 0; c < cols; c++) panel[c * NR + rr] = row[c];
                }
                for (int kb = 0; kb < cols; kb += K_BLOCK) {
                    int kk = Math.min(K_BLOCK, cols - kb);
                    multiply(x, kb, cols, panel, kb * NR, NR, out, r0, rows, n, nr, kk, kb > 0);
                }
            }
        });
    }

    /**
     * {@code C[i][j] (+)= Σ_k A[i][k] · B[k][j]} for i < m, j < n, k < kk, with A at {@code a[aOff + i·lda + k]},
     * B at {@code b[bOff + k·ldb + j]} and C at {@code c[cOff + i·ldc + j]}; adds to C if {@code accumulate}.
     * On the calling thread.
     */
    public static void multiply(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
                         int m, int n, int kk, boolean accumulate) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int j = 0;
            for (; j + NR <= n; j += NR) tile4x3(a, aOff + i * lda, lda, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc, kk, accumulate);
            for (; j + L <= n; j += L) tile4x1(a, aOff + i * lda, lda, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc, kk, accumulate);
            for (int r = i; r < i + 4; r++) scalar(a, aOff + r * lda, b, bOff, ldb, c, cOff + r * ldc, j, n, kk, accumulate);
        }
        for (; i < m; i++) {
            int j = 0;
            for (; j + L <= n; j += L) tile1x1(a, aOff + i * lda, b, bOff + j, ldb, c, cOff + i * ldc + j, kk, accumulate);
            scalar(a, aOff + i * lda, b, bOff, ldb, c, cOff + i * ldc, j, n, kk, accumulate);
        }
    }

    private static void tile4x3(float[] a, int ao, int lda, float[] b, int bo, int ldb, float[] c, int co, int ldc, int kk, boolean acc) {
        FloatVector c00 = FloatVector.zero(Lanes.F), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        for (int k = 0; k < kk; k++) {
            int bk = bo + k * ldb;
            FloatVector b0 = FloatVector.fromArray(Lanes.F, b, bk), b1 = FloatVector.fromArray(Lanes.F, b, bk + L);
            FloatVector b2 = FloatVector.fromArray(Lanes.F, b, bk + 2 * L);
            FloatVector a0 = FloatVector.broadcast(Lanes.F, a[ao + k]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            c02 = b2.fma(a0, c02);
            FloatVector a1 = FloatVector.broadcast(Lanes.F, a[ao + lda + k]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            c12 = b2.fma(a1, c12);
            FloatVector a2 = FloatVector.broadcast(Lanes.F, a[ao + 2 * lda + k]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            c22 = b2.fma(a2, c22);
            FloatVector a3 = FloatVector.broadcast(Lanes.F, a[ao + 3 * lda + k]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
            c32 = b2.fma(a3, c32);
        }
        store(c00, c, co, acc);
        store(c01, c, co + L, acc);
        store(c02, c, co + 2 * L, acc);
        store(c10, c, co + ldc, acc);
        store(c11, c, co + ldc + L, acc);
        store(c12, c, co + ldc + 2 * L, acc);
        store(c20, c, co + 2 * ldc, acc);
        store(c21, c, co + 2 * ldc + L, acc);
        store(c22, c, co + 2 * ldc + 2 * L, acc);
        store(c30, c, co + 3 * ldc, acc);
        store(c31, c, co + 3 * ldc + L, acc);
        store(c32, c, co + 3 * ldc + 2 * L, acc);
    }

    private static void tile4x1(float[] a, int ao, int lda, float[] b, int bo, int ldb, float[] c, int co, int ldc, int kk, boolean acc) {
        FloatVector c0 = FloatVector.zero(Lanes.F), c1 = c0, c2 = c0, c3 = c0;
        for (int k = 0; k < kk; k++) {
            FloatVector bv = FloatVector.fromArray(Lanes.F, b, bo + k * ldb);
            c0 = bv.fma(FloatVector.broadcast(Lanes.F, a[ao + k]), c0);
            c1 = bv.fma(FloatVector.broadcast(Lanes.F, a[ao + lda + k]), c1);
            c2 = bv.fma(FloatVector.broadcast(Lanes.F, a[ao + 2 * lda + k]), c2);
            c3 = bv.fma(FloatVector.broadcast(Lanes.F, a[ao + 3 * lda + k]), c3);
        }
        store(c0, c, co, acc);
        store(c1, c, co + ldc, acc);
        store(c2, c, co + 2 * ldc, acc);
        store(c3, c, co + 3 * ldc, acc);
    }

    private static void tile1x1(float[] a, int ao, float[] b, int bo, int ldb, float[] c, int co, int kk, boolean acc) {
        FloatVector c0 = FloatVector.zero(Lanes.F);
        for (int k = 0; k < kk; k++) c0 = FloatVector.fromArray(Lanes.F, b, bo + k * ldb).fma(FloatVector.broadcast(Lanes.F, a[ao + k]), c0);
        store(c0, c, co, acc);
    }

    private static void scalar(float[] a, int ao, float[] b, int bo, int ldb, float[] c, int co, int j0, int n, int kk, boolean acc) {
        for (int j = j0; j < n; j++) {
            float s = 0;
            for (int k = 0; k < kk; k++) s += a[ao + k] * b[bo + k * ldb + j];
            c[co + j] = acc ? c[co + j] + s : s;
        }
    }

    private static void store(FloatVector v, float[] c, int o, boolean acc) {
        (acc ? v.add(FloatVector.fromArray(Lanes.F, c, o)) : v).intoArray(c, o);
    }
}
