package io.qwen4j.model.qwen3vl;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufFormatException;
import io.qwen4j.gguf.GgufMetadata;
import io.qwen4j.gguf.GgufTensorInfo;
import io.qwen4j.model.ModelShape;

import java.util.Arrays;

/**
 * Text-decoder hyper-parameters, read from GGUF metadata under the architecture's prefix
 * ({@code qwen3vl.} or {@code qwen3.}).
 *
 * @param mropeSections rotation pairs per position axis (t, h, w, extra) for interleaved M-RoPE, or
 *                      null for plain 1-D NEOX RoPE ({@code qwen3})
 * @param ropeDims      rotated dimensions per head (the first {@code ropeDims}; usually all of head_dim)
 */
public record Qwen3VlConfig(String architecture, int dim, int layers, int heads, int kvHeads, int headDim, int ffnDim,
                            int vocab, float rmsEps, float ropeBase, int ropeDims, int[] mropeSections,
                            int deepstackLayers, int contextLength, boolean tiedOutput) {

    public static Qwen3VlConfig from(GgufFile gguf) throws GgufFormatException {
        GgufMetadata m = gguf.metadata();
        String arch = m.requireString("general.architecture");
        if (!Qwen3VlArchitecture.NAMES.contains(arch)) {
            throw new GgufFormatException("architecture '" + arch + "' is not a Qwen3 / Qwen3-VL text model");
        }
        String p = arch + ".";
        int dim = m.requireInt(p + "embedding_length");
        int heads = m.requireInt(p + "attention.head_count");
        int headDim = m.getInt(p + "attention.key_length", dim / heads);
        GgufTensorInfo embd = gguf.tensorInfo("token_embd.weight");
        if (embd == null) throw new GgufFormatException("tensor 'token_embd.weight' is missing");
        int[] sections = m.has(p + "rope.dimension_sections") ? m.getIntArray(p + "rope.dimension_sections") : null;
        return new Qwen3VlConfig(arch, dim, m.requireInt(p + "block_count"), heads,
                m.getInt(p + "attention.head_count_kv", heads), headDim, m.requireInt(p + "feed_forward_length"),
                (int) embd.dim(1), m.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-6f),
                m.getFloat(p + "rope.freq_base", 1_000_000f), m.getInt(p + "rope.dimension_count", headDim), sections,
                m.getInt(p + "n_deepstack_layers", 0), m.getInt(p + "context_length", 4096),
                gguf.tensorInfo("output.weight") == null);
    }

    /** What the engine sizes its KV cache by. */
    public ModelShape shape() {
        return new ModelShape(dim, layers, kvHeads, headDim, vocab, contextLength);
    }

    @Override
    public String toString() {
        return architecture + "{dim=" + dim + ", layers=" + layers + ", heads=" + heads + "/" + kvHeads + "x" + headDim
                + ", ffn=" + ffnDim + ", vocab=" + vocab + ", eps=" + rmsEps + ", rope=" + ropeBase + "/" + ropeDims
                + (mropeSections == null ? "" : " imrope" + Arrays.toString(mropeSections))
                + ", deepstack=" + deepstackLayers + (tiedOutput ? ", tied" : "") + "}";
    }
}
