package io.qwen4j.tensor;

import io.qwen4j.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * A Q8_0, Q4_0 or F16 matrix whose bytes were rearranged in place (same size), or a Q6_K or Q4_K one widened into
 * new memory, so that one vector lane holds one row: the rows go in groups of {@code G} = {@link Lanes#L}, and for
 * each block of columns (32; 16 for Q6_K) a group stores its {@code G} scales, then its quants in int-sized cells,
 * cell {@code (c, r)} holding a few consecutive columns of row {@code r}. A decode step then loads a vector of cells, turns it into {@code G} rows' weights
 * of one column with two or three integer operations, and multiplies it by that column's activation
 * broadcast: no widening shuffles, no per-row horizontal sums, and the block's scales applied as one vector
 * (llama.cpp's repacked {@code q4_0x8} layouts follow the same idea). Each row's sum runs in a fixed order
 * whatever the batch or row range, so a token's result never depends on the other tokens.
 *
 * <p>Only matrices whose bytes are our own copy are rearranged ({@link MatVec#interleave}); the memory-mapped
 * file keeps ggml's layout and the plain kernels. Dequantised values are the plain decoders' floats exactly.
 */
public abstract sealed class InterleavedMatVec extends MatVec permits InterleavedQ4_0MatVec, InterleavedQ8_0MatVec, InterleavedF16MatVec, InterleavedQ6KMatVec, InterleavedQ4KMatVec {
    static final int G = Lanes.L;
    protected static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Columns of a block, blocks per row, and bytes of one block of one group (its G scales, then G rows' quants). */
    protected final int blockColumns, blocks, groupBlockBytes;
    /** Bytes of a group block's scales: where its cells start. */
    private final int scaleBytes;

    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[G]);

    /** A layout of 32-column blocks that takes exactly the bytes of ggml's (rearranged in place). */
    protected InterleavedMatVec(GgmlType type, MemorySegment data, int rows, int cols, int scaleBytes) {
        this(type, data, rows, cols, 32, G * (int) type.byteSize(32), scaleBytes);
    }

    protected InterleavedMatVec(GgmlType type, MemorySegment data, int rows, int cols, int blockColumns, int groupBlockBytes, int scaleBytes) {
        super(type, data, rows, cols);
        this.scaleBytes = scaleBytes;
        if (!supports(type, rows, cols)) throw new IllegalArgumentException("cannot interleave " + type + " " + rows + "x" + cols);
        this.blockColumns = blockColumns;
        this.blocks = cols / blockColumns;
        this.groupBlockBytes = groupBlockBytes;
        if (data.byteSize() < (long) rows / G * blocks * groupBlockBytes) throw new IllegalArgumentException(type + " layout needs more bytes");
    }

    /**
     * Whether a {@code rows × cols} matrix of {@code type} has the shape for an interleaved layout on this machine
     * (which types have one: {@link MatVec#interleave}'s switch).
     */
    static boolean supports(GgmlType type, int rows, int cols) {
        return Lanes.BYTES && rows % G == 0 && cols % type.blockSize == 0 && cols % 32 == 0;
    }

    /** Writes a group at {@code groupOffset} of {@code data} from its G rows in ggml's layout, copied into {@code rows}. */
    protected abstract void interleaveGroup(MemorySegment rows, long groupOffset);

    /** The G dot products of group {@code g} with {@code x[xo ...]}; {@code blockSums} as {@link #blockSums} made them. */
    protected abstract FloatVector groupDot(long groupOffset, float[] x, int xo, float[] blockSums, int so);

    /** Decodes column block {@code b} of the group at {@code groupOffset} into {@code dst[(b·blockColumns + j)·stride + offset + r]}. */
    protected abstract void decodeGroupBlock(long groupOffset, int b, float[] dst, int stride, int offset);

    /** Per-block values of the activations that {@link #groupDot} needs (Q4_0, Q6_K: {@link #startValues}), or nothing. */
    protected void blockSums(float[] x, int xo, float[] sums, int so) {
    }

    /**
     * {@code factor · Σx} over each block: the start of a block's sum for layouts that build a weight as the float
     * {@code 1 + q/2^k} (q of k bits OR-ed into 1.0's mantissa). With factor −1.5 the sum comes out as
     * {@code Σ (q − 2^(k−1)) · x / 2^k} (signed q), with −1 as {@code Σ q · x / 2^k}.
     */
    protected final void startValues(float[] x, int xo, float[] sums, int so, float factor) {
        for (int b = 0; b < blocks; b++) {
            int at = xo + b * blockColumns;
            FloatVector v = FloatVector.fromArray(Lanes.F, x, at);
            for (int j = Lanes.L; j < blockColumns; j += Lanes.L) v = v.add(FloatVector.fromArray(Lanes.F, x, at + j));
            sums[so + b] = factor * v.reduceLanes(VectorOperators.ADD);
        }
    }

    /** 1.0f's bits in every lane: OR-ed with q in the mantissa's top bits it makes the float {@code 1 + q/2^k}. */
    protected static final int[] ONES = lanesOf(0x3F800000);

    /**
     * The nibbles of the 8 bytes at {@code at} (the high ones if {@code high}) packed into one cell, byte s's in bits
     * {@code 4s .. 4s + 3}.
     */
    protected static int nibbles(MemorySegment src, long at, boolean high) {
        int packed = 0;
        for (int s = 0; s < 8; s++) {
            int v = src.get(Bytes.BYTE, at + s) & 0xFF;
            packed |= (high ? v >>> 4 : v & 0xF) << (4 * s);
        }
        return packed;
    }

    /**
     * {@code bits} in every lane, as an array to load the mask vector from: C2 re-broadcasts a constant vector from its
     * constant table at every use (an extra load per 16 weights), but keeps a loaded vector in a register.
     */
    protected static int[] lanesOf(int bits) {
        int[] a = new int[G];
        java.util.Arrays.fill(a, bits);
        return a;
    }

    /**
     * Fills {@code data} from the matrix in ggml's layout in {@code source}, which may be {@code data} itself when
     * the layout keeps the size: each group's bytes are copied out before they are overwritten.
     */
    final void interleaveFrom(MemorySegment source, WorkerPool pool) {
        if (pool == null) interleaveGroups(source, 0, rows / G);
        else pool.parallelFor(rows / G, pool.grainFor(rows / G, 1), (g0, g1) -> interleaveGroups(source, g0, g1));
    }

    private void interleaveGroups(MemorySegment source, int g0, int g1) {
        long groupBytes = rowBytes * G;
        MemorySegment copy = MemorySegment.ofArray(new byte[(int) groupBytes]);
        for (int g = g0; g < g1; g++) {
            MemorySegment.copy(source, g * groupBytes, copy, 0, groupBytes);
            interleaveGroup(copy, groupOffset(g));
        }
    }

    /** Where cell {@code c} of row {@code lane} of the group block at {@code blockOffset} is (cells are int-sized). */
    protected final long cell(long blockOffset, int c, int lane) {
        return blockOffset + scaleBytes + 4L * (c * G + lane);
    }

    protected final long groupOffset(int g) {
        return (long) g * blocks * groupBlockBytes;
    }

    @Override
    protected int rowAlignment() {
        return G;
    }

    @Override
    protected void multiplyRowsFused(float[] x, int n, float[] out, int r0, int r1) {
        float[] sums = BLOCK_SUMS.get();
        if (sums.length < n * blocks) {
            sums = new float[n * blocks];
            BLOCK_SUMS.set(sums);
        }
        for (int t = 0; t < n; t++) blockSums(x, t * cols, sums, t * blocks);
        for (int g = r0 / G; g * G < r1; g++) {
            long go = groupOffset(g);
            for (int t = 0; t < n; t++) {
                FloatVector y = groupDot(go, x, t * cols, sums, t * blocks);
                int first = g * G, o = t * rows;
                if (first >= r0 && first + G <= r1) {
                    y.intoArray(out, o + first);
                } else {
                    float[] lanes = LANES.get();
                    y.intoArray(lanes, 0);
                    for (int r = Math.max(first, r0); r < Math.min(first + G, r1); r++) out[o + r] = lanes[r - first];
                }
            }
        }
    }

    private static final ThreadLocal<float[]> BLOCK_SUMS = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * Several tokens: panels of three groups (48 rows at 16 lanes), 256 columns at a time, decoded column-major
     * (each weight once per step), then {@link FloatMatMul}'s register tiles (4 tokens × 3 vectors of rows) over it.
     * Per (token, row) the sum runs over the columns in the same order whatever the batch.
     */
    @Override
    protected void multiplyRowsTiled(float[] x, int n, float[] out, int r0, int r1) {
        if (r0 % G != 0 || r1 % G != 0) { // not from multiply(), whose grains are whole panels: rows one by one
            super.multiplyRowsTiled(x, n, out, r0, r1);
            return;
        }
        int width = PANEL_GROUPS * G;
        float[] panel = PANEL.get();
        for (int r = r0; r < r1; r += width) {
            int nr = Math.min(width, r1 - r);
            for (int kb = 0; kb < cols; kb += K_BLOCK) {
                int kk = Math.min(K_BLOCK, cols - kb);
                for (int g = 0; g < nr / G; g++) {
                    long go = groupOffset(r / G + g);
                    for (int b = kb / blockColumns; b < (kb + kk) / blockColumns; b++) decodeGroupBlock(go, b, panel, width, g * G - kb * width);
                }
                FloatMatMul.multiply(x, kb, cols, panel, 0, width, out, r, rows, n, nr, kk, kb > 0);
            }
        }
    }

    private static final int PANEL_GROUPS = 3, K_BLOCK = 256;
    /** One 256-column slice of a panel: 48 KB at 16 lanes, kept in L1/L2 while every token runs over it. */
    private static final ThreadLocal<float[]> PANEL = ThreadLocal.withInitial(() -> new float[K_BLOCK * PANEL_GROUPS * G]);

    @Override
    protected int tileRows() {
        return PANEL_GROUPS * G;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        return dotByDequantizing(row, x, xOff);
    }
}
