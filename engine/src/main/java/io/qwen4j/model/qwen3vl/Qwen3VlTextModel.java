package io.qwen4j.model.qwen3vl;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufFormatException;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.BatchRows;
import io.qwen4j.model.GgufWeights;
import io.qwen4j.model.ModelShape;
import io.qwen4j.model.Ops;
import io.qwen4j.model.SequenceChunk;
import io.qwen4j.model.TextModel;
import io.qwen4j.tensor.MatVec;
import io.qwen4j.tensor.WorkerPool;

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
public final class Qwen3VlTextModel implements TextModel {

    record Layer(float[] attnNorm, MatVec wq, MatVec wk, MatVec wv, float[] qNorm, float[] kNorm, MatVec wo,
                 float[] ffnNorm, MatVec gate, MatVec up, MatVec down) {
    }

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
        invFreq = Ops.ropeInverseFrequencies(config.ropeBase(), config.ropeDims());
        pairAxis = new int[invFreq.length];
        for (int p = 0; p < pairAxis.length; p++) pairAxis[p] = axisOf(p, config.mropeSections());
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
        GgufWeights w = GgufWeights.of(gguf, pool);
        int q = c.heads() * c.headDim(), kv = c.kvHeads() * c.headDim();
        Layer[] layers = new Layer[c.layers()];
        for (int l = 0; l < layers.length; l++) {
            String p = "blk." + l + ".";
            layers[l] = new Layer(w.vector(p + "attn_norm.weight", c.dim()),
                    w.matrix(p + "attn_q.weight", q, c.dim()),
                    w.matrix(p + "attn_k.weight", kv, c.dim()),
                    w.matrix(p + "attn_v.weight", kv, c.dim()),
                    w.vector(p + "attn_q_norm.weight", c.headDim()),
                    w.vector(p + "attn_k_norm.weight", c.headDim()),
                    w.matrix(p + "attn_output.weight", c.dim(), q),
                    w.vector(p + "ffn_norm.weight", c.dim()),
                    w.matrix(p + "ffn_gate.weight", c.ffnDim(), c.dim()),
                    w.matrix(p + "ffn_up.weight", c.ffnDim(), c.dim()),
                    w.matrix(p + "ffn_down.weight", c.dim(), c.ffnDim()));
        }
        MatVec embedding = w.matrix("token_embd.weight", c.vocab(), c.dim());
        MatVec output = c.tiedOutput() ? embedding : w.matrix("output.weight", c.vocab(), c.dim());
        return new Qwen3VlTextModel(c, embedding, layers, w.vector("output_norm.weight", c.dim()), output, pool);
    }

    public Qwen3VlConfig config() {
        return config;
    }

    @Override
    public ModelShape shape() {
        return config.shape();
    }

    @Override
    public long weightBytesPerStep() {
        long total = output.byteSize();
        for (Layer w : layers) {
            total += w.wq.byteSize() + w.wk.byteSize() + w.wv.byteSize() + w.wo.byteSize()
                    + w.gate.byteSize() + w.up.byteSize() + w.down.byteSize();
        }
        return total;
    }

    @Override
    public String toString() {
        return config.toString();
    }

    @Override
    public StepOutput step(PagedKvCache cache, List<SequenceChunk> chunks) {
        int n = 0;
        for (SequenceChunk ch : chunks) n += ch.size();
        ensureCapacity(n); // before the cache is extended: a failed allocation must leave the sequences as they were
        BatchRows rows = BatchRows.reserve(cache, chunks);
        embed(rows);
        ropeAngles(rows);
        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            rmsNormRows(xb, x, w.attnNorm, n);
            attention(l, w, cache, rows);
            rmsNormRows(xb, x, w.ffnNorm, n);
            feedForward(w, n);
            addDeepstack(l, rows);
        }
        return logits(rows);
    }

    /** x = each row's token embedding, or its image embedding. */
    private void embed(BatchRows rows) {
        int dim = config.dim();
        for (int ci = 0; ci < rows.chunks().size(); ci++) {
            SequenceChunk ch = rows.chunks().get(ci);
            for (int i = 0, r = rows.firstRow(ci); i < ch.size(); i++, r++) {
                float[] e = ch.inputEmbedding(i);
                if (e != null) System.arraycopy(e, 0, x, r * dim, dim);
                else tokenEmbedding.dequantizeRow(ch.token(i), x, r * dim);
            }
        }
    }

    /** The cos/sin tables of each row: pair p turns by position(axis of p) · invFreq[p]. */
    private void ropeAngles(BatchRows rows) {
        int pairs = invFreq.length;
        for (int ci = 0; ci < rows.chunks().size(); ci++) {
            SequenceChunk ch = rows.chunks().get(ci);
            for (int i = 0, r = rows.firstRow(ci); i < ch.size(); i++, r++) {
                for (int p = 0; p < pairs; p++) {
                    float angle = ch.position(pairAxis[p], i) * invFreq[p];
                    cos[r * pairs + p] = (float) Math.cos(angle);
                    sin[r * pairs + p] = (float) Math.sin(angle);
                }
            }
        }
    }

    /** out = RMSNorm(x) · w, row by row. */
    private void rmsNormRows(float[] out, float[] in, float[] w, int n) {
        int dim = config.dim();
        for (int r = 0; r < n; r++) Ops.rmsNorm(out, r * dim, in, r * dim, w, dim, config.rmsEps());
    }

    /**
     * x += Wo · softmax(q·Kᵀ/√d)·V with q, k, v = Wq, Wk, Wv · xb, QK-norm and RoPE on q and k; each row's k and v
     * are appended to its sequence's cache first (causal grouped-query attention over the sequence so far).
     */
    private void attention(int layer, Layer w, PagedKvCache cache, BatchRows rows) {
        final Qwen3VlConfig c = config;
        final int n = rows.count(), hd = c.headDim(), qDim = c.heads() * hd, kvDim = c.kvHeads() * hd;
        final int pairs = invFreq.length, group = c.heads() / c.kvHeads();
        multiply3(w.wq, q, w.wk, k, w.wv, v, xb, n);
        for (int r = 0; r < n; r++) {
            for (int h = 0; h < c.heads(); h++) {
                int o = r * qDim + h * hd;
                Ops.rmsNorm(q, o, q, o, w.qNorm, hd, c.rmsEps());
                Ops.rope(q, o, cos, sin, r * pairs, pairs);
            }
            for (int h = 0; h < c.kvHeads(); h++) {
                int o = r * kvDim + h * hd;
                Ops.rmsNorm(k, o, k, o, w.kNorm, hd, c.rmsEps());
                Ops.rope(k, o, cos, sin, r * pairs, pairs);
            }
            cache.write(layer, rows.sequence(r), rows.kvIndex(r), k, r * kvDim, v, r * kvDim);
        }
        // One task per (row, KV head): the group's query heads share each converted block of keys/values.
        final float scale = (float) (1.0 / Math.sqrt(hd));
        pool.parallelFor(n * c.kvHeads(), 1, (s, e) -> {
            for (int i = s; i < e; i++) {
                int r = i / c.kvHeads(), g = i % c.kvHeads(), o = r * qDim + g * group * hd;
                cache.attendGroup(layer, rows.sequence(r), g, rows.kvIndex(r) + 1, q, o, group, scale, att, o);
            }
        });
        w.wo.multiply(att, n, tmp, pool);
        addResidual(n);
    }

    /** x += Wdown · (silu(Wgate · xb) ⊙ Wup · xb). */
    private void feedForward(Layer w, int n) {
        multiply3(w.gate, gate, w.up, up, null, null, xb, n);
        int values = n * config.ffnDim();
        if (n == 1) Ops.swiglu(gate, up, 0, values);
        else pool.parallelFor(values, pool.grainFor(values, 4096), (s, e) -> Ops.swiglu(gate, up, s, e));
        w.down.multiply(gate, n, tmp, pool);
        addResidual(n);
    }

    /** x += tmp. */
    private void addResidual(int n) {
        for (int i = 0; i < n * config.dim(); i++) x[i] += tmp[i];
    }

    /** x += the image rows' deepstack vectors of this layer. */
    private void addDeepstack(int layer, BatchRows rows) {
        int dim = config.dim();
        for (int ci = 0; ci < rows.chunks().size(); ci++) {
            SequenceChunk ch = rows.chunks().get(ci);
            if (!ch.hasDeepstack(layer)) continue;
            for (int i = 0, r = rows.firstRow(ci); i < ch.size(); i++, r++) {
                float[] ds = ch.deepstack(layer, i);
                if (ds == null) continue;
                for (int d = 0; d < dim; d++) x[r * dim + d] += ds[d];
            }
        }
    }

    /** Wout · RMSNorm(x), only for the rows that want logits. */
    private StepOutput logits(BatchRows rows) {
        int dim = config.dim(), vocab = config.vocab();
        int[] wanted = rows.logitRows();
        if (wanted.length == 0) return new StepOutput(new float[rows.chunks().size()][], vocab);
        float[] normed = new float[wanted.length * dim];
        for (int j = 0; j < wanted.length; j++) Ops.rmsNorm(normed, j * dim, x, wanted[j] * dim, outputNorm, dim, config.rmsEps());
        float[] logits = new float[wanted.length * vocab];
        output.multiply(normed, wanted.length, logits, pool);
        return rows.split(logits, vocab);
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
