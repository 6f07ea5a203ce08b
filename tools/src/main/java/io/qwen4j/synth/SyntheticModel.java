package io.qwen4j.synth;

import io.qwen4j.gguf.GgmlType;
import io.qwen4j.gguf.GgufMetadata;
import io.qwen4j.gguf.GgufValueType;
import io.qwen4j.gguf.GgufWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A random-weight Qwen3-VL model of a real model's exact shape, written as the GGUF files llama.cpp would
 * hold for it (text model, and the vision tower as an mmproj): same tensor names, shapes, order,
 * metadata keys and per-tensor type mix ({@link FileType}), so benchmarks need no download and compare
 * file for file with llama.cpp's. Weights come row by row from a seeded counter-based generator, so
 * memory stays small whatever the model size and the same seed always gives the same file.
 *
 * @param text   the decoder's shape
 * @param vision the vision tower's shape (its output width is the decoder's {@code dim})
 */
public record SyntheticModel(String name, TextShape text, VisionShape vision) {

    /** @param ropeSections M-RoPE rotation pairs per axis (t, h, w, extra); they sum to headDim / 2 */
    public record TextShape(int layers, int dim, int ffnDim, int heads, int kvHeads, int headDim, int vocab,
                            boolean tied, int[] ropeSections) {
    }

    /** @param deepstack the ViT layers whose outputs feed the decoder's first layers */
    public record VisionShape(int depth, int width, int ffnDim, int heads, int[] deepstack) {
    }

    private static final int[] SECTIONS = {24, 20, 20, 0};
    private static final int PATCH = 16, POSITIONS = 2304, MERGE = 2;

    /** The Qwen3-VL Instruct shapes (configs in docs/qwen3-vl-spec.md §1), and "tiny" (the test fixtures' shape). */
    public static final Map<String, SyntheticModel> PRESETS = Map.of(
            "tiny", new SyntheticModel("qwen3vl-tiny",
                    new TextShape(4, 256, 512, 4, 2, 64, 4122, true, new int[] {12, 10, 10, 0}),
                    new VisionShape(4, 64, 256, 2, new int[] {1, 2, 3})),
            "qwen3-vl-2b", new SyntheticModel("Qwen3-VL-2B-Instruct (random weights)",
                    new TextShape(28, 2048, 6144, 16, 8, 128, 151936, true, SECTIONS),
                    new VisionShape(24, 1024, 4096, 16, new int[] {5, 11, 17})),
            "qwen3-vl-4b", new SyntheticModel("Qwen3-VL-4B-Instruct (random weights)",
                    new TextShape(36, 2560, 9728, 32, 8, 128, 151936, true, SECTIONS),
                    new VisionShape(24, 1024, 4096, 16, new int[] {5, 11, 17})),
            "qwen3-vl-8b", new SyntheticModel("Qwen3-VL-8B-Instruct (random weights)",
                    new TextShape(36, 4096, 12288, 32, 8, 128, 151936, false, SECTIONS),
                    new VisionShape(27, 1152, 4304, 16, new int[] {8, 16, 24})),
            "qwen3-vl-32b", new SyntheticModel("Qwen3-VL-32B-Instruct (random weights)",
                    new TextShape(64, 5120, 25600, 64, 8, 128, 151936, false, SECTIONS),
                    new VisionShape(27, 1152, 4304, 16, new int[] {8, 16, 24})));

    public static SyntheticModel preset(String name) {
        SyntheticModel m = PRESETS.get(name);
        if (m == null) throw new IllegalArgumentException("no preset '" + name + "'; presets: " + PRESETS.keySet().stream().sorted().toList());
        return m;
    }

    /**
     * Writes the text model. {@code tokenizer}: a GGUF's metadata whose {@code tokenizer.*} keys are copied
     * (the vocabulary then sets the embedding's row count), or null for none (the preset's vocab size).
     */
    public void writeText(Path out, FileType type, GgufMetadata tokenizer, long seed) throws IOException {
        TextShape s = text;
        int vocab = tokenizer != null && tokenizer.has("tokenizer.ggml.tokens") ? tokenizer.getStringList("tokenizer.ggml.tokens").size() : s.vocab;
        String a = "qwen3vl.";
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "qwen3vl")
                .putString("general.type", "model")
                .putString("general.name", name)
                .putUint32(a + "block_count", s.layers)
                .putUint32(a + "context_length", 262144)
                .putUint32(a + "embedding_length", s.dim)
                .putUint32(a + "feed_forward_length", s.ffnDim)
                .putUint32(a + "attention.head_count", s.heads)
                .putUint32(a + "attention.head_count_kv", s.kvHeads)
                .putArray(a + "rope.dimension_sections", GgufValueType.INT32, java.util.Arrays.stream(s.ropeSections).asLongStream().toArray())
                .putFloat32(a + "rope.freq_base", 5_000_000f)
                .putFloat32(a + "attention.layer_norm_rms_epsilon", 1e-6f)
                .putUint32(a + "attention.key_length", s.headDim)
                .putUint32(a + "attention.value_length", s.headDim)
                .putUint32("general.file_type", type.id)
                .putUint32(a + "n_deepstack_layers", vision.deepstack.length)
                .putUint32("general.quantization_version", 2);
        if (tokenizer != null) {
            for (GgufMetadata.Entry e : tokenizer.entries().values()) if (e.key().startsWith("tokenizer.")) w.put(e);
        }
        if (type != FileType.F32) {
            // As llama-quantize (which makes llama.cpp's other types from the F32 file) writes them: last.
            w.remove("general.quantization_version").remove("general.file_type");
            w.putUint32("general.quantization_version", 2).putUint32("general.file_type", type.id);
        }
        for (Tensor t : textTensors(vocab)) add(w, t.name, type.textTensorType(t.name, (int) t.ne[0], t.ne.length, s.layers, s.tied), t.ne, seed);
        w.write(out);
    }

    /** Writes the vision tower and merger as an mmproj file ({@code clip}, projector {@code qwen3vl_merger}). */
    public void writeVision(Path out, FileType type, long seed) throws IOException {
        VisionShape v = vision;
        int merged = v.width * MERGE * MERGE, outDim = text.dim;
        boolean[] deepstack = new boolean[v.depth];
        for (int i : v.deepstack) deepstack[i] = true;
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "clip")
                .putString("general.type", "mmproj")
                .putString("general.name", name + " mmproj")
                .putUint32("general.file_type", type.id)
                .putBool("clip.has_vision_encoder", true)
                .putUint32("clip.vision.projection_dim", outDim)
                .putUint32("clip.vision.image_size", 768)
                .putUint32("clip.vision.patch_size", PATCH)
                .putUint32("clip.vision.embedding_length", v.width)
                .putUint32("clip.vision.feed_forward_length", v.ffnDim)
                .putUint32("clip.vision.block_count", v.depth)
                .putUint32("clip.vision.attention.head_count", v.heads)
                .putArray("clip.vision.image_mean", GgufValueType.FLOAT32, new float[] {0.5f, 0.5f, 0.5f})
                .putArray("clip.vision.image_std", GgufValueType.FLOAT32, new float[] {0.5f, 0.5f, 0.5f})
                .putString("clip.projector_type", "qwen3vl_merger")
                .putBool("clip.use_gelu", true)
                .putUint32("clip.vision.spatial_merge_size", MERGE)
                .putFloat32("clip.vision.attention.layer_norm_epsilon", 1e-6f)
                .putArray("clip.vision.is_deepstack_layers", GgufValueType.BOOL, deepstack)
                .putUint32("general.quantization_version", 2);
        TensorAdder t = (n, ne) -> add(w, n, type.visionTensorType(n, (int) ne[0], ne.length), ne, seed);
        t.add("v.patch_embd.weight", PATCH, PATCH, 3, v.width);
        t.add("v.patch_embd.weight.1", PATCH, PATCH, 3, v.width);
        t.add("v.patch_embd.bias", v.width);
        t.add("v.position_embd.weight", v.width, POSITIONS);
        for (int l = 0; l < v.depth; l++) {
            String p = "v.blk." + l + ".";
            t.add(p + "ln1.weight", v.width);
            t.add(p + "ln1.bias", v.width);
            t.add(p + "attn_qkv.weight", v.width, 3 * v.width);
            t.add(p + "attn_qkv.bias", 3 * v.width);
            t.add(p + "attn_out.weight", v.width, v.width);
            t.add(p + "attn_out.bias", v.width);
            t.add(p + "ln2.weight", v.width);
            t.add(p + "ln2.bias", v.width);
            t.add(p + "ffn_up.weight", v.width, v.ffnDim);
            t.add(p + "ffn_up.bias", v.ffnDim);
            t.add(p + "ffn_down.weight", v.ffnDim, v.width);
            t.add(p + "ffn_down.bias", v.width);
        }
        t.add("v.post_ln.weight", v.width);
        t.add("v.post_ln.bias", v.width);
        t.add("mm.0.weight", merged, merged);
        t.add("mm.0.bias", merged);
        t.add("mm.2.weight", merged, outDim);
        t.add("mm.2.bias", outDim);
        for (int i : v.deepstack) {
            String p = "v.deepstack." + i + ".";
            t.add(p + "norm.weight", merged);
            t.add(p + "norm.bias", merged);
            t.add(p + "fc1.weight", merged, merged);
            t.add(p + "fc1.bias", merged);
            t.add(p + "fc2.weight", merged, outDim);
            t.add(p + "fc2.bias", outDim);
        }
        w.write(out);
    }

    /** A tensor's name and shape ({@code ne[0]} = row length). */
    public record Tensor(String name, long... ne) {
    }

    /** The text model's tensors in file order. */
    public List<Tensor> textTensors(int vocab) {
        TextShape s = text;
        int q = s.heads * s.headDim, kv = s.kvHeads * s.headDim;
        List<Tensor> out = new java.util.ArrayList<>();
        out.add(new Tensor("token_embd.weight", s.dim, vocab));
        for (int l = 0; l < s.layers; l++) {
            String p = "blk." + l + ".";
            out.add(new Tensor(p + "attn_norm.weight", s.dim));
            out.add(new Tensor(p + "attn_q.weight", s.dim, q));
            out.add(new Tensor(p + "attn_k.weight", s.dim, kv));
            out.add(new Tensor(p + "attn_v.weight", s.dim, kv));
            out.add(new Tensor(p + "attn_output.weight", q, s.dim));
            out.add(new Tensor(p + "attn_q_norm.weight", s.headDim));
            out.add(new Tensor(p + "attn_k_norm.weight", s.headDim));
            out.add(new Tensor(p + "ffn_norm.weight", s.dim));
            out.add(new Tensor(p + "ffn_gate.weight", s.dim, s.ffnDim));
            out.add(new Tensor(p + "ffn_up.weight", s.dim, s.ffnDim));
            out.add(new Tensor(p + "ffn_down.weight", s.ffnDim, s.dim));
        }
        out.add(new Tensor("output_norm.weight", s.dim));
        if (!s.tied) out.add(new Tensor("output.weight", s.dim, vocab));
        return out;
    }

    /** Bytes of the text model's tensors in {@code type} (about the file's size). */
    public long textBytes(FileType type) {
        long total = 0;
        for (Tensor t : textTensors(text.vocab)) {
            long n = 1;
            for (long d : t.ne) n *= d;
            total += type.textTensorType(t.name, (int) t.ne[0], t.ne.length, text.layers, text.tied).byteSize(n);
        }
        return total;
    }

    @FunctionalInterface
    private interface TensorAdder {
        void add(String name, long... ne);
    }

    private static void add(GgufWriter w, String name, GgmlType type, long[] ne, long seed) {
        long tensorSeed = mix(seed ^ name.hashCode() * 0x9E3779B97F4A7C15L);
        int cols = (int) ne[0];
        float amplitude;
        float offset = 0;
        if (ne.length == 1) {
            boolean scale = name.contains("norm.weight") || name.contains("ln1.weight") || name.contains("ln2.weight") || name.contains("post_ln.weight");
            amplitude = scale ? 0.1f : 0.02f;
            offset = scale ? 1f : 0f;
        } else {
            amplitude = (float) Math.sqrt(3.0 / cols); // uniform with variance 1/cols: unit-scale outputs
        }
        float a = amplitude, o = offset;
        w.addTensor(name, type, ne, (first, rows, dst) -> fillRows(tensorSeed, first, rows, cols, a, o, dst));
    }

    /** Uniform values in {@code offset ± amplitude}, each from a hash of (tensor, index): any order, same values. */
    static void fillRows(long tensorSeed, long firstRow, int rows, int cols, float amplitude, float offset, float[] dst) {
        long index = firstRow * cols;
        float scale = amplitude * 0x1p-23f;
        for (int i = 0, n = rows * cols; i < n; i++) {
            dst[i] = offset + scale * ((int) (mix(tensorSeed + index + i) >>> 40) - (1 << 23));
        }
    }

    /** SplitMix64's finaliser: a strong 64-bit hash. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
