package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import io.qwen4j.gguf.HugePages;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A weight matrix of {@code rows × cols} in one ggml format, read in place from its (memory-mapped) bytes:
 * row {@code r} is {@code rowBytes} bytes at {@code r · rowBytes}. Computes {@code out = W · x} for one or
 * several activation rows at once. One subclass per format supplies the fused, vectorised dot product of
 * one row with one activation vector and a dequantisation of one row.
 *
 * <p>Layout of activations: {@code x[t·cols + c]} for token {@code t}; results {@code out[t·rows + r]}.
 */
public abstract sealed class MatVec
        permits F32MatVec, F16MatVec, BF16MatVec, Q8_0MatVec, Q4_0MatVec, Q4_1MatVec, Q5_0MatVec, Q5_1MatVec,
        Q2KMatVec, Q3KMatVec, Q4KMatVec, Q5KMatVec, Q6KMatVec, Q8KMatVec, InterleavedMatVec {

    /**
     * Up to this many tokens each row is dotted straight from its bytes; beyond, rows are decoded once. The two paths
     * sum in different orders (results differ in the last bits); within the tiled path a token's result does not
     * depend on the other tokens of the batch.
     */
    public static final int FUSED_MAX_TOKENS = 3;
    /**
     * Floats of decoded rows kept per thread for the batched path: ~384 KB stays in a 1 MB L2 and makes
     * the activations be re-read from L3 only once per 16-48 rows.
     */
    private static final int TILE_FLOATS = 96 * 1024;

    /**
     * Decode hands out many small chunks (each still ≥ 16 rows, tens of microseconds): on a shared machine a
     * thread can lose its core in the middle of a chunk, and the others then wait for at most that one chunk.
     */
    public static final int DECODE_CHUNKS_PER_THREAD = 16;

    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[0]);

    protected final MemorySegment data;
    protected final int rows;
    protected final int cols;
    protected final long rowBytes;

    protected MatVec(GgmlType type, MemorySegment data, int rows, int cols) {
        if (cols % type.blockSize != 0) {
            throw new IllegalArgumentException(type + " row of " + cols + " is not a multiple of the block size " + type.blockSize);
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = type.byteSize(cols);
        if (data.byteSize() < rowBytes * rows) {
            throw new IllegalArgumentException(type + " " + rows + "x" + cols + " needs " + rowBytes * rows + " bytes, got " + data.byteSize());
        }
    }

    /** The matrix over {@code data} in {@code type}; rows of {@code cols} values (ggml {@code ne[0]}). */
    public static MatVec of(GgmlType type, MemorySegment data, int rows, int cols) {
        return switch (type) {
            case F32 -> new F32MatVec(data, rows, cols);
            case F16 -> new F16MatVec(data, rows, cols);
            case BF16 -> new BF16MatVec(data, rows, cols);
            case Q8_0 -> new Q8_0MatVec(data, rows, cols);
            case Q4_0 -> new Q4_0MatVec(data, rows, cols);
            case Q4_1 -> new Q4_1MatVec(data, rows, cols);
            case Q5_0 -> new Q5_0MatVec(data, rows, cols);
            case Q5_1 -> new Q5_1MatVec(data, rows, cols);
            case Q2_K -> new Q2KMatVec(data, rows, cols);
            case Q3_K -> new Q3KMatVec(data, rows, cols);
            case Q4_K -> new Q4KMatVec(data, rows, cols);
            case Q5_K -> new Q5KMatVec(data, rows, cols);
            case Q6_K -> new Q6KMatVec(data, rows, cols);
            case Q8_K -> new Q8KMatVec(data, rows, cols);
            default -> throw new IllegalArgumentException("no matrix kernel for ggml type " + type);
        };
    }

    /**
     * The matrix over {@code data} in {@code type}, with its bytes rearranged in place into {@link InterleavedMatVec}'s
     * faster layout where the type and shape allow (Q8_0, Q4_0, F16 without inf/NaN, and Q6_K and Q4_K widened
     * into new memory, in whole row groups), else as {@link #of}.
     * Only for bytes that nothing else reads: the rearranged bytes are no longer ggml's layout, and those of a widened
     * matrix are given back to the system ({@link HugePages#release}). The rearranging runs on {@code pool}'s threads
     * (or the caller's when null).
     */
    public static MatVec interleave(GgmlType type, MemorySegment data, int rows, int cols, WorkerPool pool) {
        if (!InterleavedMatVec.supports(type, rows, cols)) return of(type, data, rows, cols);
        // The one list of the interleaved layouts: a type without a case keeps ggml's layout.
        InterleavedMatVec m = switch (type) {
            case Q8_0 -> new InterleavedQ8_0MatVec(data, rows, cols);
            case Q4_0 -> new InterleavedQ4_0MatVec(data, rows, cols);
            case Q6_K -> new InterleavedQ6KMatVec(newMemory(InterleavedQ6KMatVec.bytesFor(rows, cols)), rows, cols);
            case Q4_K -> new InterleavedQ4KMatVec(newMemory(InterleavedQ4KMatVec.bytesFor(rows, cols)), rows, cols);
            case F16 -> InterleavedF16MatVec.finite(data, (long) rows * cols) ? new InterleavedF16MatVec(data, rows, cols) : null;
            default -> null;
        };
        if (m == null) return of(type, data, rows, cols);
        m.interleaveFrom(data, pool);
        if (m.data != data) HugePages.release(data); // widened: ggml's bytes are no longer read
        return m;
    }

    /**
     * Memory for a layout wider than ggml's (Q6_K: 1.25 bytes a weight instead of 0.82; Q4_K 0.75 for 0.56), in huge pages where
     * possible, freed with the matrix that holds it.
     */
    private static MemorySegment newMemory(long bytes) {
        Arena arena = Arena.ofAuto();
        MemorySegment huge = HugePages.allocate(bytes, arena);
        return huge != null ? huge : arena.allocate(bytes, 64);
    }

    public abstract GgmlType type();

    public final int rows() {
        return rows;
    }

    public final int cols() {
        return cols;
    }

    /** Bytes of the matrix: what one product streams from memory. */
    public final long byteSize() {
        return rowBytes * rows;
    }

    /** Σ_c W[row, c] · x[xOff + c]. */
    public abstract float dot(int row, float[] x, int xOff);

    /** Writes row {@code row} as {@code cols} floats to {@code dst[dstOff ...]}. */
    public abstract void dequantizeRow(int row, float[] dst, int dstOff);

    /** {@code out[t·rows + r] = W[r] · x[t·cols ...]} for {@code t < n}, all rows, on the pool's threads. */
    public void multiply(float[] x, int n, float[] out, WorkerPool pool) {
        int grain = n <= FUSED_MAX_TOKENS ? pool.grainFor(rows, 16, DECODE_CHUNKS_PER_THREAD) : pool.grainFor(rows, tileRows());
        int align = n <= FUSED_MAX_TOKENS ? rowAlignment() : tileRows();
        grain = (grain + align - 1) / align * align;
        pool.parallelFor(rows, grain, (r0, r1) -> multiplyRows(x, n, out, r0, r1));
    }

    /** {@link #multiply} restricted to rows {@code [r0, r1)}, on the calling thread. */
    public void multiplyRows(float[] x, int n, float[] out, int r0, int r1) {
        if (n <= FUSED_MAX_TOKENS) multiplyRowsFused(x, n, out, r0, r1);
        else multiplyRowsTiled(x, n, out, r0, r1);
    }

    /**
     * Decode: each row dotted straight from its bytes. A method of its own so that C2 compiles the format's
     * dot apart from the large tiled loop (inlined together, the vector intrinsics of the dot were seen to
     * fall back to their slow Java form after a long prefill).
     */
    protected void multiplyRowsFused(float[] x, int n, float[] out, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            for (int t = 0; t < n; t++) out[t * rows + r] = dot(r, x, t * cols);
        }
    }

    protected void multiplyRowsTiled(float[] x, int n, float[] out, int r0, int r1) {
        // Several tokens: decode a tile of rows once into floats (kept in L2), then run 4-row × 4-token
        // register blocks over it: 16 accumulators, 8 loads per 16 FMAs, each weight byte decoded once.
        int tileRows = tileRows();
        float[] tile = TILE.get();
        if (tile.length < tileRows * cols) {
            tile = new float[tileRows * cols];
            TILE.set(tile);
        }
        for (int r = r0; r < r1; r += tileRows) {
            int m = Math.min(tileRows, r1 - r);
            for (int i = 0; i < m; i++) dequantizeRow(r + i, tile, i * cols);
            int t = 0;
            for (; t + 4 <= n; t += 4) {
                int i = 0;
                for (; i + 4 <= m; i += 4) block4x4(tile, i * cols, x, t * cols, cols, out, t * rows + r + i, rows);
                for (; i < m; i++) {
                    for (int u = t; u < t + 4; u++) out[u * rows + r + i] = dot(tile, i * cols, x, u * cols, cols);
                }
            }
            for (; t < n; t++) {
                int xo = t * cols, oo = t * rows + r;
                int i = 0;
                for (; i + 4 <= m; i += 4) dot4(tile, i * cols, x, xo, cols, out, oo + i);
                for (; i < m; i++) out[oo + i] = dot(tile, i * cols, x, xo, cols);
            }
        }
    }

    /**
     * Four rows of {@code w} (stride n) times four activation rows of {@code x} (stride n): out[t·ld + i]
     * for row i, token t. Needs n a multiple of the lane count (every model width is).
     */
    private static void block4x4(float[] w, int wo, float[] x, int xo, int n, float[] out, int oo, int ld) {
        if (n % Lanes.L != 0) {
            for (int t = 0; t < 4; t++) dot4(w, wo, x, xo + t * n, n, out, oo + t * ld);
            return;
        }
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
            a00 = w0.fma(xv, a00);
            a01 = w1.fma(xv, a01);
            a02 = w2.fma(xv, a02);
            a03 = w3.fma(xv, a03);
            xv = FloatVector.fromArray(Lanes.F, x, xo + n + k);
            a10 = w0.fma(xv, a10);
            a11 = w1.fma(xv, a11);
            a12 = w2.fma(xv, a12);
            a13 = w3.fma(xv, a13);
            xv = FloatVector.fromArray(Lanes.F, x, xo + 2 * n + k);
            a20 = w0.fma(xv, a20);
            a21 = w1.fma(xv, a21);
            a22 = w2.fma(xv, a22);
            a23 = w3.fma(xv, a23);
            xv = FloatVector.fromArray(Lanes.F, x, xo + 3 * n + k);
            a30 = w0.fma(xv, a30);
            a31 = w1.fma(xv, a31);
            a32 = w2.fma(xv, a32);
            a33 = w3.fma(xv, a33);
        }
        store4(out, oo, a00, a01, a02, a03);
        store4(out, oo + ld, a10, a11, a12, a13);
        store4(out, oo + 2 * ld, a20, a21, a22, a23);
        store4(out, oo + 3 * ld, a30, a31, a32, a33);
    }

    private static void store4(float[] out, int o, FloatVector a, FloatVector b, FloatVector c, FloatVector d) {
        out[o] = a.reduceLanes(VectorOperators.ADD);
        out[o + 1] = b.reduceLanes(VectorOperators.ADD);
        out[o + 2] = c.reduceLanes(VectorOperators.ADD);
        out[o + 3] = d.reduceLanes(VectorOperators.ADD);
    }

    /** Rows decoded together by the batched path ({@link #multiplyRowsTiled}); a multiple of {@link #rowAlignment}. */
    protected int tileRows() {
        int align = Math.max(4, rowAlignment());
        return Math.max(align, Math.min(64, TILE_FLOATS / cols) / align * align);
    }

    /** Row ranges handed to {@link #multiplyRows} by {@link #multiply} start at multiples of this. */
    protected int rowAlignment() {
        return 1;
    }

    /** Σ a[ao + i] · b[bo + i] for i < n. */
    public static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        int i = 0, upper = Lanes.F.loopBound(n);
        for (; i < upper; i += Lanes.L) {
            acc = FloatVector.fromArray(Lanes.F, a, ao + i).fma(FloatVector.fromArray(Lanes.F, b, bo + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** Four consecutive rows of {@code w} (stride n) dotted with one vector, which is loaded once. */
    private static void dot4(float[] w, int wo, float[] x, int xo, int n, float[] out, int oo) {
        FloatVector a0 = FloatVector.zero(Lanes.F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0, upper = Lanes.F.loopBound(n);
        for (; i < upper; i += Lanes.L) {
            FloatVector xv = FloatVector.fromArray(Lanes.F, x, xo + i);
            a0 = FloatVector.fromArray(Lanes.F, w, wo + i).fma(xv, a0);
            a1 = FloatVector.fromArray(Lanes.F, w, wo + n + i).fma(xv, a1);
            a2 = FloatVector.fromArray(Lanes.F, w, wo + 2 * n + i).fma(xv, a2);
            a3 = FloatVector.fromArray(Lanes.F, w, wo + 3 * n + i).fma(xv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s0 += w[wo + i] * x[xo + i];
            s1 += w[wo + n + i] * x[xo + i];
            s2 += w[wo + 2 * n + i] * x[xo + i];
            s3 += w[wo + 3 * n + i] * x[xo + i];
        }
        out[oo] = s0;
        out[oo + 1] = s1;
        out[oo + 2] = s2;
        out[oo + 3] = s3;
    }

    /**
     * Vectorised decode of the block at byte {@code offset} into {@code dst[dstOff .. + blockSize)}, used by
     * {@link #dequantizeRowDecoded} (only called when {@link Lanes#BYTES}).
     */
    protected void decodeBlock(long offset, float[] dst, int dstOff) {
        throw new UnsupportedOperationException(type() + " has no block decoder");
    }

    /** Row {@code row} through {@link #decodeBlock}, block by block. */
    protected final void dequantizeRowDecoded(int row, float[] dst, int dstOff) {
        int bs = type().blockSize, ts = type().typeSize;
        long base = row * rowBytes;
        for (int j = 0; j < cols; j += bs) decodeBlock(base + (long) j / bs * ts, dst, dstOff + j);
    }

    /** Scalar fallback for formats without a vector path on this machine: decode a block, then dot. */
    protected final float dotByDequantizing(int row, float[] x, int xOff) {
        float[] tile = TILE.get();
        if (tile.length < cols) {
            tile = new float[Math.max(cols, tileRows() * cols)];
            TILE.set(tile);
        }
        dequantizeRow(row, tile, 0);
        return dot(tile, 0, x, xOff, cols);
    }

    protected final short f16(long offset) {
        return data.get(Bytes.SHORT, offset);
    }

    protected final float f16ToFloat(long offset) {
        return Float.float16ToFloat(data.get(Bytes.SHORT, offset));
    }

    @Override
    public String toString() {
        return type() + "[" + rows + "x" + cols + "]";
    }
}
