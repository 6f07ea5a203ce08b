package io.qwen4j.model.qwen3vl;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufFormatException;
import io.qwen4j.gguf.GgufTensorInfo;
import io.qwen4j.image.ImagePreprocessor;
import io.qwen4j.image.PixelValues;
import io.qwen4j.model.GgufWeights;
import io.qwen4j.model.ImageEmbeddings;
import io.qwen4j.model.ModelShape;
import io.qwen4j.model.Ops;
import io.qwen4j.model.VisionEncoder;
import io.qwen4j.tensor.FloatMatMul;
import io.qwen4j.tensor.MatVec;
import io.qwen4j.tensor.WorkerPool;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Qwen3-VL vision tower and its mergers (mmproj GGUF, projector {@code qwen3vl_merger}), computed in
 * float32 as Hugging Face's {@code Qwen3VLVisionModel}:
 *
 * <pre>
 * x = Conv3d(pixel patches) + bias                      one matrix product over (c, t, y, x) patch rows
 * x += bilinear(pos_table, align-corners)[row, col]     n×n learned table resampled to the patch grid
 * for each block l:
 *   a = LayerNorm1(x); q, k, v = Wqkv·a + b
 *   q, k = 2-D RoPE (first half of the pairs by patch row, second half by column; θ = 10000)
 *   x += Wo·softmax(q·kᵀ/√d)·v + bo                      full attention within each image
 *   x += Wdown·gelu_tanh(Wup·LayerNorm2(x) + bup) + bdown
 *   if l is a deepstack layer: ds_k = fc2·gelu_erf(fc1·LayerNorm(merge4(x)) + b1) + b2
 * main = mm.2·gelu_erf(mm.0·merge4(LayerNorm_post(x)) + b0) + b2
 * </pre>
 *
 * Patches run in merge-block order (every 2×2 block of patches is 4 consecutive rows), so "merge4" is a
 * reinterpretation of 4 rows of width V as one row of width 4V. Several images run as one batch through
 * every matrix (rows of all images together); attention stays within each image.
 * Not thread-safe across concurrent {@link #encode} calls (they share the worker pool).
 */
public final class Qwen3VlVisionEncoder implements VisionEncoder {

    record Block(float[] ln1Weight, float[] ln1Bias, MatVec qkv, float[] qkvBias, MatVec out, float[] outBias,
                 float[] ln2Weight, float[] ln2Bias, MatVec up, float[] upBias, MatVec down, float[] downBias) {
    }

    /** A 2×2 patch merger; the main one normalises each patch (width V), deepstack ones the merged row (4V). */
    record Merger(float[] normWeight, float[] normBias, boolean normAfterMerge, MatVec fc1, float[] fc1Bias,
                  MatVec fc2, float[] fc2Bias) {
    }

    private static final float ROPE_THETA = 10000f;

    private volatile Timings lastTimings = new Timings(0, 0, 0);

    private final Qwen3VlVisionConfig config;
    private final MatVec patchEmbedding;
    private final float[] patchBias;
    private final float[] positionTable;
    private final Block[] blocks;
    private final Merger merger;
    private final Merger[] deepstackMergers;
    private final WorkerPool pool;
    /** Inverse frequencies of the head_dim/4 rotation pairs per axis, as HF computes them in float32. */
    private final float[] invFreq;

    private Qwen3VlVisionEncoder(Qwen3VlVisionConfig config, MatVec patchEmbedding, float[] patchBias, float[] positionTable,
                                 Block[] blocks, Merger merger, Merger[] deepstackMergers, WorkerPool pool) {
        this.config = config;
        this.patchEmbedding = patchEmbedding;
        this.patchBias = patchBias;
        this.positionTable = positionTable;
        this.blocks = blocks;
        this.merger = merger;
        this.deepstackMergers = deepstackMergers;
        this.pool = pool;
        invFreq = Ops.ropeInverseFrequencies(ROPE_THETA, config.headDim() / 2); // HF's rotary module dimension
    }

    /** Loads the tower of an mmproj GGUF; matrices stay in the file's mapping (any supported ggml type). */
    public static Qwen3VlVisionEncoder load(GgufFile gguf, WorkerPool pool) throws GgufFormatException {
        Qwen3VlVisionConfig c = Qwen3VlVisionConfig.from(gguf);
        GgufWeights w = GgufWeights.mmproj(gguf);
        int v = c.width(), merged = c.mergedWidth();
        Block[] blocks = new Block[c.layers()];
        for (int l = 0; l < blocks.length; l++) {
            String p = "v.blk." + l + ".";
            blocks[l] = new Block(w.vector(p + "ln1.weight", v), w.vector(p + "ln1.bias", v),
                    w.matrix(p + "attn_qkv.weight", 3 * v, v), w.vector(p + "attn_qkv.bias", 3 * v),
                    w.matrix(p + "attn_out.weight", v, v), w.vector(p + "attn_out.bias", v),
                    w.vector(p + "ln2.weight", v), w.vector(p + "ln2.bias", v),
                    w.matrix(p + "ffn_up.weight", c.ffnDim(), v), w.vector(p + "ffn_up.bias", c.ffnDim()),
                    w.matrix(p + "ffn_down.weight", v, c.ffnDim()), w.vector(p + "ffn_down.bias", v));
        }
        Merger main = new Merger(w.vector("v.post_ln.weight", v), w.vector("v.post_ln.bias", v), false,
                w.matrix("mm.0.weight", merged, merged), w.vector("mm.0.bias", merged),
                w.matrix("mm.2.weight", c.outDim(), merged), w.vector("mm.2.bias", c.outDim()));
        Merger[] deepstack = new Merger[c.deepstackLayers().length];
        for (int k = 0; k < deepstack.length; k++) {
            String p = "v.deepstack." + c.deepstackLayers()[k] + ".";
            deepstack[k] = new Merger(w.vector(p + "norm.weight", merged), w.vector(p + "norm.bias", merged), true,
                    w.matrix(p + "fc1.weight", merged, merged), w.vector(p + "fc1.bias", merged),
                    w.matrix(p + "fc2.weight", c.outDim(), merged), w.vector(p + "fc2.bias", c.outDim()));
        }
        float[] positions = new float[c.positionGrid() * c.positionGrid() * v];
        MatVec table = w.matrix("v.position_embd.weight", c.positionGrid() * c.positionGrid(), v);
        for (int r = 0; r < table.rows(); r++) table.dequantizeRow(r, positions, r * v);
        return new Qwen3VlVisionEncoder(c, patchEmbeddingMatrix(gguf, c), w.vector("v.patch_embd.bias", v), positions,
                blocks, main, deepstack, pool);
    }

    /**
     * The Conv3d kernel as a V × (3·T·p²) matrix in pixel_values' (c, t, y, x) order, from GGUF's two temporal
     * slices {@code v.patch_embd.weight} (t = 0) and {@code .weight.1} (t = 1), each [p, p, 3, V].
     */
    private static MatVec patchEmbeddingMatrix(GgufFile gguf, Qwen3VlVisionConfig c) throws GgufFormatException {
        int v = c.width(), pp = c.patchSize() * c.patchSize(), t = c.temporalPatchSize(), cols = c.patchDim();
        MatVec[] slices = new MatVec[t];
        for (int i = 0; i < t; i++) {
            String name = i == 0 ? "v.patch_embd.weight" : "v.patch_embd.weight." + i;
            GgufTensorInfo info = gguf.tensorInfo(name);
            if (info == null) throw new GgufFormatException("tensor '" + name + "' is missing (Qwen3-VL stores the Conv3d kernel as one slice per frame)");
            if (info.nDims() != 4 || info.dim(0) != c.patchSize() || info.dim(1) != c.patchSize() || info.dim(2) != 3 || info.dim(3) != v) {
                throw new GgufFormatException("tensor '" + name + "' has shape " + Arrays.toString(info.ne()) + ", expected [" + c.patchSize() + ", " + c.patchSize() + ", 3, " + v + "]");
            }
            slices[i] = MatVec.of(info.type(), gguf.tensorData(info), v, 3 * pp);
        }
        float[] w = new float[v * cols], slice = new float[3 * pp];
        for (int o = 0; o < v; o++) {
            for (int i = 0; i < t; i++) {
                slices[i].dequantizeRow(o, slice, 0);
                for (int ch = 0; ch < 3; ch++) System.arraycopy(slice, ch * pp, w, o * cols + (ch * t + i) * pp, pp);
            }
        }
        return GgufWeights.f32Matrix(w, v, cols);
    }

    public Qwen3VlVisionConfig config() {
        return config;
    }

    @Override
    public ImagePreprocessor.Config preprocessorConfig() {
        return config.preprocessorConfig();
    }

    @Override
    public void checkPairs(ModelShape text) {
        int out = config.outDim(), ds = config.deepstackLayers().length;
        if (out != text.width()) {
            throw new IllegalArgumentException("the mmproj projects images to width " + out + ", but the model's width is " + text.width()
                    + ": the two files are not a pair");
        }
        if (ds > text.layers()) {
            throw new IllegalArgumentException("the mmproj has " + ds + " deepstack mergers for a model of " + text.layers() + " layers");
        }
    }

    @Override
    public Timings lastTimings() {
        return lastTimings;
    }

    @Override
    public String toString() {
        return config.toString();
    }

    @Override
    public List<ImageEmbeddings> encode(List<PixelValues> images) {
        final Qwen3VlVisionConfig c = config;
        final int v = c.width(), unit = c.mergeSize() * c.mergeSize();
        int total = 0;
        int[] start = new int[images.size() + 1];
        for (int i = 0; i < images.size(); i++) {
            PixelValues img = images.get(i);
            if (img.patchSize() != c.patchSize() || img.mergeSize() != c.mergeSize() || img.temporalPatchSize() != c.temporalPatchSize()) {
                throw new IllegalArgumentException("image preprocessed for patch " + img.patchSize() + "/merge " + img.mergeSize()
                        + "/temporal " + img.temporalPatchSize() + ", the encoder needs " + c.patchSize() + "/" + c.mergeSize() + "/" + c.temporalPatchSize());
            }
            if (img.gridT() != 1) throw new IllegalArgumentException("video frames (grid_t " + img.gridT() + ") are not supported");
            start[i] = total;
            total += img.patches();
        }
        start[images.size()] = total;
        if (total == 0) return List.of();
        final int n = total;
        long t0 = System.nanoTime(), mergerNanos = 0;

        // Patch embedding and learned positions.
        float[] pixels = new float[n * c.patchDim()];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i).values(), 0, pixels, start[i] * c.patchDim(), images.get(i).values().length);
        }
        float[] x = new float[n * v];
        FloatMatMul.linear(patchEmbedding, pixels, n, x, pool);
        pixels = null;
        addBias(x, n, patchBias);
        int pairs = c.headDim() / 2;
        float[] cos = new float[n * pairs], sin = new float[n * pairs];
        for (int i = 0; i < images.size(); i++) {
            PixelValues img = images.get(i);
            addPositionEmbeddings(x, start[i], img.gridH(), img.gridW());
            ropeTables(cos, sin, start[i], img.gridH(), img.gridW());
        }

        long t1 = System.nanoTime();
        float[] xb = new float[n * v], qkv = new float[n * 3 * v], att = new float[n * v], tmp = new float[n * v];
        float[] ffn = new float[n * c.ffnDim()];
        float[][] deepstack = new float[deepstackMergers.length][];
        int nextDeepstack = 0;
        for (int l = 0; l < blocks.length; l++) {
            Block b = blocks[l];
            layerNormRows(xb, x, n, v, b.ln1Weight, b.ln1Bias);
            FloatMatMul.linear(b.qkv, xb, n, qkv, pool);
            addBias(qkv, n, b.qkvBias);
            rope(qkv, cos, sin, n);
            for (int i = 0; i < images.size(); i++) attention(qkv, att, start[i], start[i + 1] - start[i]);
            FloatMatMul.linear(b.out, att, n, tmp, pool);
            addBiasAndResidual(x, tmp, n, b.outBias);

            layerNormRows(xb, x, n, v, b.ln2Weight, b.ln2Bias);
            FloatMatMul.linear(b.up, xb, n, ffn, pool);
            addBias(ffn, n, b.upBias);
            pool.parallelFor(ffn.length, 4096, (s, e) -> {
                for (int j = s; j < e; j++) ffn[j] = Ops.geluTanh(ffn[j]);
            });
            FloatMatMul.linear(b.down, ffn, n, tmp, pool);
            addBiasAndResidual(x, tmp, n, b.downBias);

            if (nextDeepstack < c.deepstackLayers().length && c.deepstackLayers()[nextDeepstack] == l) {
                long m0 = System.nanoTime();
                deepstack[nextDeepstack] = merge(deepstackMergers[nextDeepstack], x, n / unit);
                nextDeepstack++;
                mergerNanos += System.nanoTime() - m0;
            }
        }
        long m0 = System.nanoTime();
        float[] main = merge(merger, x, n / unit);
        long t2 = System.nanoTime();
        mergerNanos += t2 - m0;
        lastTimings = new Timings(t1 - t0, t2 - t1 - mergerNanos, mergerNanos);

        List<ImageEmbeddings> out = new ArrayList<>(images.size());
        int d = c.outDim();
        for (int i = 0; i < images.size(); i++) {
            PixelValues img = images.get(i);
            int first = start[i] / unit, tokens = img.tokens();
            float[][] rows = split(main, first, tokens, d);
            float[][][] ds = new float[deepstack.length][][];
            for (int k = 0; k < ds.length; k++) ds[k] = split(deepstack[k], first, tokens, d);
            out.add(new ImageEmbeddings(img.mergedRows(), img.mergedCols(), rows, ds, img.contentDigest()));
        }
        return out;
    }

    private static float[][] split(float[] a, int first, int count, int width) {
        float[][] rows = new float[count][];
        for (int r = 0; r < count; r++) rows[r] = Arrays.copyOfRange(a, (first + r) * width, (first + r + 1) * width);
        return rows;
    }

    /**
     * HF {@code fast_pos_embed_interpolate}: for a gh × gw grid, source coordinates {@code linspace(0, n−1, gh)}
     * (float32, as torch computes it), floor/ceil neighbours and the four bilinear weights in float32, summed
     * in the order (y0,x0), (y0,x1), (y1,x0), (y1,x1); added in merge-block order.
     */
    private void addPositionEmbeddings(float[] x, int start, int gh, int gw) {
        int n = config.positionGrid(), v = config.width(), m = config.mergeSize();
        float[] ys = linspace(n - 1, gh), xs = linspace(n - 1, gw);
        int patch = start;
        for (int by = 0; by < gh / m; by++) {
            for (int bx = 0; bx < gw / m; bx++) {
                for (int dy = 0; dy < m; dy++) {
                    for (int dx = 0; dx < m; dx++, patch++) {
                        int row = by * m + dy, col = bx * m + dx;
                        int y0 = (int) ys[row], x0 = (int) xs[col];
                        int y1 = Math.min(y0 + 1, n - 1), x1 = Math.min(x0 + 1, n - 1);
                        float fy = ys[row] - y0, fx = xs[col] - x0;
                        float w00 = (1 - fy) * (1 - fx), w01 = (1 - fy) * fx, w10 = fy * (1 - fx), w11 = fy * fx;
                        int t00 = (y0 * n + x0) * v, t01 = (y0 * n + x1) * v, t10 = (y1 * n + x0) * v, t11 = (y1 * n + x1) * v;
                        float[] p = positionTable;
                        for (int i = 0; i < v; i++) {
                            float pe = p[t00 + i] * w00 + p[t01 + i] * w01 + p[t10 + i] * w10 + p[t11 + i] * w11;
                            x[patch * v + i] += pe;
                        }
                    }
                }
            }
        }
    }

    /** torch.linspace(0, end, steps) in float32: the first half counts up from 0, the second down from end. */
    static float[] linspace(float end, int steps) {
        float[] out = new float[steps];
        if (steps == 1) return out;
        float step = end / (steps - 1);
        int half = steps / 2;
        for (int i = 0; i < steps; i++) out[i] = i < half ? step * i : end - step * (steps - i - 1);
        return out;
    }

    /**
     * 2-D RoPE angles per patch (merge-block order): pair j < d/4 turns by row·f_j, pair d/4 + j by col·f_j,
     * where d is the head size and f_j = θ^(−2j/(d/2)); pairs are (j, j + d/2) of each head.
     */
    private void ropeTables(float[] cos, float[] sin, int start, int gh, int gw) {
        int m = config.mergeSize(), quarter = invFreq.length, pairs = 2 * quarter;
        int patch = start;
        for (int by = 0; by < gh / m; by++) {
            for (int bx = 0; bx < gw / m; bx++) {
                for (int dy = 0; dy < m; dy++) {
                    for (int dx = 0; dx < m; dx++, patch++) {
                        int row = by * m + dy, col = bx * m + dx;
                        for (int j = 0; j < quarter; j++) {
                            float a = row * invFreq[j], b = col * invFreq[j];
                            cos[patch * pairs + j] = (float) Math.cos(a);
                            sin[patch * pairs + j] = (float) Math.sin(a);
                            cos[patch * pairs + quarter + j] = (float) Math.cos(b);
                            sin[patch * pairs + quarter + j] = (float) Math.sin(b);
                        }
                    }
                }
            }
        }
    }

    /** Rotates q and k of every head of every row in place (NEOX pairs (j, j + d/2)). */
    private void rope(float[] qkv, float[] cos, float[] sin, int n) {
        int v = config.width(), hd = config.headDim(), pairs = hd / 2, heads = config.heads();
        pool.parallelFor(n, 64, (s, e) -> {
            for (int r = s; r < e; r++) {
                for (int part = 0; part < 2; part++) {
                    for (int h = 0; h < heads; h++) {
                        int o = r * 3 * v + part * v + h * hd;
                        Ops.rope(qkv, o, cos, sin, r * pairs, pairs);
                    }
                }
            }
        });
    }

    /**
     * Full (non-causal) multi-head attention over the {@code n} patches of one image starting at row
     * {@code start}: per head and block of queries, scores = Q·Kᵀ (keys stored transposed), ·1/√d, softmax,
     * then ·V, both products as register-tiled matrix products.
     */
    private void attention(float[] qkv, float[] out, int start, int n) {
        final int v = config.width(), hd = config.headDim(), heads = config.heads();
        final float scale = (float) (1.0 / Math.sqrt(hd));
        final float[] q = new float[heads * n * hd], kT = new float[heads * hd * n], vals = new float[heads * n * hd];
        pool.parallelFor(n, 64, (s, e) -> {
            for (int i = s; i < e; i++) {
                int row = (start + i) * 3 * v;
                for (int h = 0; h < heads; h++) {
                    System.arraycopy(qkv, row + h * hd, q, (h * n + i) * hd, hd);
                    System.arraycopy(qkv, row + 2 * v + h * hd, vals, (h * n + i) * hd, hd);
                    for (int d = 0; d < hd; d++) kT[(h * hd + d) * n + i] = qkv[row + v + h * hd + d];
                }
            }
        });
        final int blocks = (n + QUERY_BLOCK - 1) / QUERY_BLOCK;
        pool.parallelFor(heads * blocks, 1, (s, e) -> {
            float[] p = scratch(QUERY_BLOCK * n);
            for (int task = s; task < e; task++) {
                int h = task / blocks, i0 = (task % blocks) * QUERY_BLOCK, m = Math.min(QUERY_BLOCK, n - i0);
                FloatMatMul.multiply(q, (h * n + i0) * hd, hd, kT, h * hd * n, n, p, 0, n, m, n, hd, false);
                for (int r = 0; r < m; r++) Ops.softmax(p, r * n, n, scale);
                FloatMatMul.multiply(p, 0, n, vals, h * n * hd, hd, out, (start + i0) * v + h * hd, v, m, hd, n, false);
            }
        });
    }

    private static final int QUERY_BLOCK = 32;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private static float[] scratch(int size) {
        float[] a = SCRATCH.get();
        if (a.length < size) {
            a = new float[size];
            SCRATCH.set(a);
        }
        return a;
    }

    /**
     * A patch merger over {@code groups} merged tokens: LayerNorm (per patch of width V for the main merger,
     * per merged row of width 4V for deepstack), fc1, erf-GELU, fc2. Returns groups × outDim.
     */
    private float[] merge(Merger mg, float[] x, int groups) {
        int v = config.width(), wide = config.mergedWidth();
        float[] y = new float[groups * wide];
        if (mg.normAfterMerge) layerNormRows(y, x, groups, wide, mg.normWeight, mg.normBias);
        else layerNormRows(y, x, groups * (wide / v), v, mg.normWeight, mg.normBias);
        float[] h = new float[groups * wide];
        FloatMatMul.linear(mg.fc1, y, groups, h, pool);
        addBias(h, groups, mg.fc1Bias);
        pool.parallelFor(h.length, 4096, (s, e) -> {
            for (int j = s; j < e; j++) h[j] = Ops.geluErf(h[j]);
        });
        float[] out = new float[groups * config.outDim()];
        FloatMatMul.linear(mg.fc2, h, groups, out, pool);
        addBias(out, groups, mg.fc2Bias);
        return out;
    }

    /** LayerNorm of {@code rows} rows of width {@code n}: (x − mean)/√(var + eps)·w + b, biased variance. */
    private void layerNormRows(float[] out, float[] x, int rows, int n, float[] w, float[] b) {
        float eps = config.eps();
        pool.parallelFor(rows, 32, (s, e) -> {
            for (int r = s; r < e; r++) Ops.layerNorm(out, x, r * n, n, w, b, eps);
        });
    }

    private void addBias(float[] a, int rows, float[] bias) {
        int n = bias.length;
        pool.parallelFor(rows, 64, (s, e) -> {
            for (int r = s; r < e; r++) for (int i = 0; i < n; i++) a[r * n + i] += bias[i];
        });
    }

    private void addBiasAndResidual(float[] x, float[] t, int rows, float[] bias) {
        int n = bias.length;
        pool.parallelFor(rows, 64, (s, e) -> {
            for (int r = s; r < e; r++) for (int i = 0; i < n; i++) x[r * n + i] += t[r * n + i] + bias[i];
        });
    }
}
