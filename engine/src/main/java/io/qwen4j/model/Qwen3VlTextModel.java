package io.qwen4j.model;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufFormatException;
import io.qwen4j.gguf.GgufTensorInfo;
import io.qwen4j.kv.KvSequence;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.tensor.MatVec;
import io.qwen4j.tensor.WorkerPool;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.List;

/**
 * The Qwen3-VL text decoder (GGUF architecture {@code qwen3vl}; plain {@code qwen3} is the same without
 * deepstack and with 1-D RoPE), computed in float32 from weights read in place in any supported format.
 *
 * <pre>
 * h = embed(token)                      (or an image embedding row)
 * for each layer l:
 *   a = RMSNorm(h) ; q, k, v = Wq·a, Wk·a, Wv·a
 *   q, k = RMSNorm per head (QK-norm), then interleaved M-RoPE by (t, h, w) positions
 *   append k, v to the sequence's KV cache; o = causal GQA softmax(q·Kᵀ/√d)·V
 *   h += Wo·o
 *   h += Wdown·(silu(Wgate·RMSNorm(h)) ⊙ Wup·RMSNorm(h))
 *   h += deepstack_l                    (image rows, l < n_deepstack)
 * logits = Wout·RMSNorm(h)              (Wout = token_embd when output.weight is absent)
 * </pre>
 *
 * One step runs a ragged batch: all rows of all chunks go through each weight matrix together (each
 * weight byte read once per step), attention runs per (row, head) against that row's own sequence.
 * Not thread-safe: one step at a time (activation buffers are reused between steps).
 */
public final class Qwen3VlTextModel implements ModelStep {

    record Layer(float[] attnNorm, MatVec wq, MatVec wk, MatVec wv, float[] qNorm, float[] kNorm, MatVec wo,
                 float[] ffnNorm, MatVec gate, MatVec up, MatVec down) {
    }

    private static final int KV_BLOCK = 16;

    private final Qwen3VlConfig config;
    private final MatVec tokenEmbedding;
    private final Layer[] layers;
    private final float[] outputNorm;
    private final MatVec output;
    private final WorkerPool pool;
    /** Per rotation pair k: inverse frequency and which position axis (0 t, 1 h, 2 w) drives it. */
    private final float[] invFreq;
    private final int[] pairAxis;

    private int capacity;
    private float[] x, xb, q, k, v, att, tmp, gate, up, cos, sin;

    private Qwen3VlTextModel(Qwen3VlConfig config, MatVec tokenEmbedding, Layer[] layers, float[] outputNorm,
                             MatVec output, WorkerPool pool) {
        this.config = config;
        this.tokenEmbedding = tokenEmbedding;
        this.layers = layers;
        this.outputNorm = outputNorm;
        this.output = output;
        this.pool = pool;
        int pairs = config.ropeDims() / 2;
        invFreq = new float[pairs];
        pairAxis = new int[pairs];
        for (int p = 0; p < pairs; p++) {
            // As HF computes it: base^(2p/d) in float32, then its reciprocal.
            invFreq[p] = 1f / (float) Math.pow(config.ropeBase(), (float) (2 * p) / config.ropeDims());
            pairAxis[p] = axisOf(p, config.mropeSections());
        }
    }

    /**
     * Interleaved M-RoPE (HF {@code apply_interleaved_mrope}): pair p uses h if p ≡ 1 (mod 3) and
     * p < 3·sections[1], w if p ≡ 2 (mod 3) and p < 3·sections[2], else t.
     */
    static int axisOf(int pair, int[] sections) {
        if (sections == null) return 0;
        if (pair % 3 == 1 && pair < 3 * sections[1]) return 1;
        if (pair % 3 == 2 && pair < 3 * sections[2]) return 2;
        return 0;
    }

    /** Loads the text decoder of {@code gguf}; the weights stay in the file's mapping. */
    public static Qwen3VlTextModel load(GgufFile gguf, WorkerPool pool) throws GgufFormatException {
        Qwen3VlConfig c = Qwen3VlConfig.from(gguf);
        Layer[] layers = new Layer[c.layers()];
        for (int l = 0; l < layers.length; l++) {
            String p = "blk." + l + ".";
            layers[l] = new Layer(vector(gguf, p + "attn_norm.weight", c.dim()),
                    matrix(gguf, pool, p + "attn_q.weight", c.heads() * c.headDim(), c.dim()),
                    matrix(gguf, pool, p + "attn_k.weight", c.kvHeads() * c.headDim(), c.dim()),
                    matrix(gguf, pool, p + "attn_v.weight", c.kvHeads() * c.headDim(), c.dim()),
                    vector(gguf, p + "attn_q_norm.weight", c.headDim()),
                    vector(gguf, p + "attn_k_norm.weight", c.headDim()),
                    matrix(gguf, pool, p + "attn_output.weight", c.dim(), c.heads() * c.headDim()),
                    vector(gguf, p + "ffn_norm.weight", c.dim()),
                    matrix(gguf, pool, p + "ffn_gate.weight", c.ffnDim(), c.dim()),
                    matrix(gguf, pool, p + "ffn_up.weight", c.ffnDim(), c.dim()),
                    matrix(gguf, pool, p + "ffn_down.weight", c.dim(), c.ffnDim()));
        }
        MatVec embedding = matrix(gguf, pool, "token_embd.weight", c.vocab(), c.dim());
        MatVec output = c.tiedOutput() ? embedding : matrix(gguf, pool, "output.weight", c.vocab(), c.dim());
        return new Qwen3VlTextModel(c, embedding, layers, vector(gguf, "output_norm.weight", c.dim()), output, pool);
    }

    /**
     * The tensor {@code name} as a matrix. When the weights are our own copy ({@link GgufFile.Memory#HUGE_PAGES})
     * Q8_0, Q4_0 and F16 matrices are rearranged in place into the interleaved layout of the faster kernels, and
     * Q6_K ones widened into it ({@link MatVec#interleave}).
     */
    private static MatVec matrix(GgufFile gguf, WorkerPool pool, String name, int rows, int cols) throws GgufFormatException {
        GgufTensorInfo info = gguf.tensorInfo(name);
        if (info == null) throw new GgufFormatException("tensor '" + name + "' is missing");
        if (info.dim(0) != cols || info.dim(1) != rows || info.nDims() > 2) {
            throw new GgufFormatException("tensor '" + name + "' has shape " + java.util.Arrays.toString(info.ne()) + ", expected [" + cols + ", " + rows + "]");
        }
        if (gguf.memory() == GgufFile.Memory.HUGE_PAGES) {
            return MatVec.interleave(info.type(), gguf.tensorData(info), rows, cols, pool);
        }
        return MatVec.of(info.type(), gguf.tensorData(info), rows, cols);
    }

    private static float[] vector(GgufFile gguf, String name, int n) throws GgufFormatException {
        float[] out = new float[n];
        matrix(gguf, null, name, 1, n).dequantizeRow(0, out, 0);
        return out;
    }

    public Qwen3VlConfig config() {
        return config;
    }

    /** Weight bytes one decode step reads: every layer matrix and the output matrix, once. */
    public long weightBytesPerStep() {
        long total = output.byteSize();
        for (Layer w : layers) {
            total += w.wq.byteSize() + w.wk.byteSize() + w.wv.byteSize() + w.wo.byteSize()
                    + w.gate.byteSize() + w.up.byteSize() + w.down.byteSize();
        }
        return total;
    }

    /** A KV cache for this model holding up to {@code maxTokens} tokens over all sequences. */
    public PagedKvCache newKvCache(int maxTokens, PagedKvCache.Storage storage) {
        return new PagedKvCache(config.layers(), config.kvHeads(), config.headDim(), KV_BLOCK,
                (maxTokens + KV_BLOCK - 1) / KV_BLOCK, storage);
    }

    @Override
    public StepOutput step(PagedKvCache cache, List<SequenceChunk> chunks) {
        int n = 0;
        for (SequenceChunk ch : chunks) n += ch.size();
        ensureCapacity(n);
        final Qwen3VlConfig c = config;
        final int dim = c.dim(), hd = c.headDim(), qDim = c.heads() * hd, kvDim = c.kvHeads() * hd;
        final int pairs = c.ropeDims() / 2, group = c.heads() / c.kvHeads();

        // Row bookkeeping: which sequence, which KV index.
        KvSequence[] rowSeq = new KvSequence[n];
        int[] rowIndex = new int[n];
        int[] starts = reserve(cache, chunks);
        int row = 0;
        for (int ci = 0; ci < chunks.size(); ci++) {
            SequenceChunk ch = chunks.get(ci);
            int start = starts[ci];
            for (int i = 0; i < ch.size(); i++, row++) {
                rowSeq[row] = ch.sequence;
                rowIndex[row] = start + i;
                if (ch.embeddings != null && ch.embeddings[i] != null) {
                    System.arraycopy(ch.embeddings[i], 0, x, row * dim, dim);
                } else {
                    tokenEmbedding.dequantizeRow(ch.tokens[i], x, row * dim);
                }
                for (int p = 0; p < pairs; p++) {
                    int pos = switch (pairAxis[p]) {
                        case 1 -> ch.posH[i];
                        case 2 -> ch.posW[i];
                        default -> ch.posT[i];
                    };
                    float angle = pos * invFreq[p];
                    cos[row * pairs + p] = (float) Math.cos(angle);
                    sin[row * pairs + p] = (float) Math.sin(angle);
                }
            }
        }

        final int rows = n;
        final float scale = (float) (1.0 / Math.sqrt(hd));
        for (int l = 0; l < layers.length; l++) {
            final Layer w = layers[l];
            final int layer = l;
            for (int r = 0; r < rows; r++) rmsNorm(xb, r * dim, x, r * dim, w.attnNorm, dim, c.rmsEps());
            multiply3(w.wq, q, w.wk, k, w.wv, v, xb, rows);
            for (int r = 0; r < rows; r++) {
                for (int h = 0; h < c.heads(); h++) {
                    int o = r * qDim + h * hd;
                    rmsNorm(q, o, q, o, w.qNorm, hd, c.rmsEps());
                    rope(q, o, r * pairs, pairs);
                }
                for (int h = 0; h < c.kvHeads(); h++) {
                    int o = r * kvDim + h * hd;
                    rmsNorm(k, o, k, o, w.kNorm, hd, c.rmsEps());
                    rope(k, o, r * pairs, pairs);
                }
                cache.write(layer, rowSeq[r], rowIndex[r], k, r * kvDim, v, r * kvDim);
            }
            // One task per (row, KV head): the group's query heads share each converted block of keys/values.
            pool.parallelFor(rows * c.kvHeads(), 1, (s, e) -> {
                for (int i = s; i < e; i++) {
                    int r = i / c.kvHeads(), g = i % c.kvHeads(), o = r * qDim + g * group * hd;
                    cache.attendGroup(layer, rowSeq[r], g, rowIndex[r] + 1, q, o, group, scale, att, o);
                }
            });
            w.wo.multiply(att, rows, tmp, pool);
            for (int i = 0; i < rows * dim; i++) x[i] += tmp[i];

            for (int r = 0; r < rows; r++) rmsNorm(xb, r * dim, x, r * dim, w.ffnNorm, dim, c.rmsEps());
            multiply3(w.gate, gate, w.up, up, null, null, xb, rows);
            int ffnValues = rows * c.ffnDim();
            if (rows == 1) swiglu(gate, up, 0, ffnValues);
            else pool.parallelFor(ffnValues, pool.grainFor(ffnValues, 4096), (s, e) -> swiglu(gate, up, s, e));
            w.down.multiply(gate, rows, tmp, pool);
            for (int i = 0; i < rows * dim; i++) x[i] += tmp[i];

            row = 0;
            for (SequenceChunk ch : chunks) {
                if (ch.deepstack != null && layer < ch.deepstack.length && ch.deepstack[layer] != null) {
                    float[][] ds = ch.deepstack[layer];
                    for (int i = 0; i < ch.size(); i++) {
                        if (ds[i] == null) continue;
                        for (int d = 0; d < dim; d++) x[(row + i) * dim + d] += ds[i][d];
                    }
                }
                row += ch.size();
            }
        }

        // Final norm and output head, only for the rows that want logits.
        int m = 0;
        for (SequenceChunk ch : chunks) m += ch.logitRows();
        float[][] result = new float[chunks.size()][];
        if (m == 0) return new StepOutput(result, c.vocab());
        float[] normed = new float[m * dim];
        int j = 0;
        row = 0;
        for (SequenceChunk ch : chunks) {
            int first = ch.logits == SequenceChunk.Logits.LAST ? ch.size() - 1 : 0;
            for (int i = first; i < first + ch.logitRows(); i++) {
                rmsNorm(normed, j++ * dim, x, (row + i) * dim, outputNorm, dim, c.rmsEps());
            }
            row += ch.size();
        }
        float[] logits = new float[m * c.vocab()];
        output.multiply(normed, m, logits, pool);
        j = 0;
        for (int ci = 0; ci < chunks.size(); ci++) {
            int lr = chunks.get(ci).logitRows();
            if (lr == 0) continue;
            if (m == lr) {
                result[ci] = logits;
            } else {
                result[ci] = java.util.Arrays.copyOfRange(logits, j * c.vocab(), (j + lr) * c.vocab());
            }
            j += lr;
        }
        return new StepOutput(result, c.vocab());
    }

    /**
     * {@code outA = a·x, outB = b·x, outC = c·x} (c may be null) in one parallel loop over the rows of all
     * of them: one hand-off to the workers instead of three, and no thread idles at a matrix boundary.
     */
    private void multiply3(MatVec a, float[] outA, MatVec b, float[] outB, MatVec c, float[] outC, float[] x, int n) {
        if (n > MatVec.FUSED_MAX_TOKENS) { // prefill: each matrix has rows enough to split well on its own
            a.multiply(x, n, outA, pool);
            b.multiply(x, n, outB, pool);
            if (c != null) c.multiply(x, n, outC, pool);
            return;
        }
        final int ra = a.rows(), rb = b.rows(), total = ra + rb + (c == null ? 0 : c.rows());
        // Grains in whole 16-row groups, so that interleaved matrices get whole row groups.
        int grain = (pool.grainFor(total, 16, MatVec.DECODE_CHUNKS_PER_THREAD) + 15) & ~15;
        pool.parallelFor(total, grain, (s, e) -> {
            if (s < ra) a.multiplyRows(x, n, outA, s, Math.min(e, ra));
            if (e > ra && s < ra + rb) b.multiplyRows(x, n, outB, Math.max(s, ra) - ra, Math.min(e, ra + rb) - ra);
            if (e > ra + rb) c.multiplyRows(x, n, outC, Math.max(s, ra + rb) - ra - rb, e - ra - rb);
        });
    }

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Double> D8 = DoubleVector.SPECIES_512;

    /**
     * {@code gate[i] = silu(gate[i]) · up[i]} over {@code [from, to)}, vectorised: a scalar Math.exp per value
     * ran on one thread while the others waited. The exponential is taken in double lanes and rounded to float,
     * as {@code (float) Math.exp(-g)} is, so that the result is the scalar loop's (float lanes' EXP is less
     * accurate, and seeded sampling from a model must not change with it).
     */
    static void swiglu(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (int upper = from + F8.loopBound(to - from); i < upper; i += F8.length()) {
            FloatVector g = FloatVector.fromArray(F8, gate, i);
            DoubleVector e = ((DoubleVector) g.neg().convertShape(VectorOperators.F2D, D8, 0)).lanewise(VectorOperators.EXP);
            FloatVector ef = (FloatVector) e.convertShape(VectorOperators.D2F, F8, 0);
            g.div(ef.add(1f)).mul(FloatVector.fromArray(F8, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    /** Appends every chunk's tokens to its sequence, all or none (a full cache leaves nothing changed). */
    private static int[] reserve(PagedKvCache cache, List<SequenceChunk> chunks) {
        int[] starts = new int[chunks.size()];
        for (int ci = 0; ci < chunks.size(); ci++) {
            KvSequence seq = chunks.get(ci).sequence;
            for (int cj = 0; cj < ci; cj++) {
                if (chunks.get(cj).sequence == seq) throw new IllegalArgumentException("sequence appears twice in one batch");
            }
            try {
                starts[ci] = cache.extend(seq, chunks.get(ci).size());
            } catch (RuntimeException e) {
                for (int cj = 0; cj < ci; cj++) cache.truncate(chunks.get(cj).sequence, starts[cj]);
                throw e;
            }
        }
        return starts;
    }

    /** NEOX rotation of pairs (p, p + d/2) of one head at {@code off}, angles of table row {@code t}. */
    private void rope(float[] a, int off, int t, int pairs) {
        for (int p = 0; p < pairs; p++) {
            float x0 = a[off + p], x1 = a[off + p + pairs];
            float cs = cos[t + p], sn = sin[t + p];
            a[off + p] = x0 * cs - x1 * sn;
            a[off + p + pairs] = x1 * cs + x0 * sn;
        }
    }

    /** out = w ⊙ x / sqrt(mean(x²) + eps) over {@code n} values (out may alias x). */
    static void rmsNorm(float[] out, int oo, float[] x, int xo, float[] w, int n, float eps) {
        float ss = MatVec.dot(x, xo, x, xo, n);
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) out[oo + i] = w[i] * (x[xo + i] * inv);
    }

    private void ensureCapacity(int n) {
        if (n <= capacity) return;
        Qwen3VlConfig c = config;
        int qDim = c.heads() * c.headDim(), kvDim = c.kvHeads() * c.headDim();
        x = new float[n * c.dim()];
        xb = new float[n * c.dim()];
        tmp = new float[n * c.dim()];
        q = new float[n * qDim];
        att = new float[n * qDim];
        k = new float[n * kvDim];
        v = new float[n * kvDim];
        gate = new float[n * c.ffnDim()];
        up = new float[n * c.ffnDim()];
        cos = new float[n * (c.ropeDims() / 2)];
        sin = new float[n * (c.ropeDims() / 2)];
        capacity = n;
    }
}
