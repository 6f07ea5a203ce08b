package io.qwen4j.model.qwen3vl;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufFormatException;
import io.qwen4j.gguf.GgufMetadata;
import io.qwen4j.gguf.GgufTensorInfo;
import io.qwen4j.image.ImagePreprocessor;

import java.util.Arrays;

/**
 * Hyper-parameters of a Qwen3-VL vision tower, from an mmproj GGUF ({@code general.architecture = clip},
 * projector {@code qwen3vl_merger}, keys {@code clip.vision.*}).
 *
 * @param width           ViT hidden size V
 * @param positionGrid    side n of the learned n × n position table ({@code v.position_embd.weight} has n² rows)
 * @param outDim          LLM hidden size the mergers project to
 * @param deepstackLayers ViT layers (ascending) whose outputs feed deepstack mergers; the k-th feeds LLM layer k
 */
public record Qwen3VlVisionConfig(int width, int layers, int heads, int ffnDim, int patchSize, int temporalPatchSize,
                                  int mergeSize, int positionGrid, int outDim, float eps, int[] deepstackLayers,
                                  float[] imageMean, float[] imageStd, long minPixels, long maxPixels) {

    public static final String PROJECTOR = "qwen3vl_merger";

    public static Qwen3VlVisionConfig from(GgufFile gguf) throws GgufFormatException {
        GgufMetadata m = gguf.metadata();
        String arch = m.getString("general.architecture", null);
        if (!"clip".equals(arch)) {
            throw new GgufFormatException("not a vision projector (mmproj) file: general.architecture is '" + arch + "', expected 'clip'");
        }
        String projector = m.getString("clip.projector_type", m.getString("clip.vision.projector_type", null));
        if (projector == null) throw new GgufFormatException("mmproj file has no clip.projector_type");
        if (!projector.equals(PROJECTOR)) {
            throw new GgufFormatException("mmproj projector '" + projector + "' is not supported (this engine runs Qwen3-VL: '" + PROJECTOR + "')");
        }
        if (!m.getBoolean("clip.has_vision_encoder", true)) throw new GgufFormatException("mmproj file has no vision encoder");
        int width = m.requireInt("clip.vision.embedding_length");
        int layers = m.requireInt("clip.vision.block_count");
        int heads = m.requireInt("clip.vision.attention.head_count");
        if (heads < 1 || width % heads != 0 || (width / heads) % 4 != 0) {
            throw new GgufFormatException("vision width " + width + " with " + heads + " heads has no head size divisible by 4 (2-D RoPE)");
        }
        int patch = m.requireInt("clip.vision.patch_size");
        int merge = m.getInt("clip.vision.spatial_merge_size", 2);
        GgufTensorInfo pos = gguf.tensorInfo("v.position_embd.weight");
        if (pos == null) throw new GgufFormatException("tensor 'v.position_embd.weight' is missing");
        int grid = (int) Math.round(Math.sqrt(pos.dim(1)));
        if ((long) grid * grid != pos.dim(1)) throw new GgufFormatException("v.position_embd.weight has " + pos.dim(1) + " rows, not a square grid");

        // Deepstack layers: the flags if present, and the tensors must agree with them.
        int[] deepstack;
        if (m.has("clip.vision.is_deepstack_layers")) {
            boolean[] flags = m.getBooleanArray("clip.vision.is_deepstack_layers");
            if (flags.length != layers) throw new GgufFormatException("clip.vision.is_deepstack_layers has " + flags.length + " entries for " + layers + " layers");
            deepstack = java.util.stream.IntStream.range(0, layers).filter(l -> flags[l]).toArray();
        } else {
            deepstack = java.util.stream.IntStream.range(0, layers).filter(l -> gguf.tensorInfo("v.deepstack." + l + ".fc1.weight") != null).toArray();
        }
        for (int l = 0; l < layers; l++) {
            final int layer = l;
            boolean present = gguf.tensorInfo("v.deepstack." + l + ".fc1.weight") != null;
            if (present != Arrays.stream(deepstack).anyMatch(x -> x == layer)) {
                throw new GgufFormatException("deepstack layer " + l + (present ? " has tensors but is not flagged" : " is flagged but tensors 'v.deepstack." + l + ".*' are missing"));
            }
        }
        int outDim = m.requireInt("clip.vision.projection_dim");
        float[] mean = floats(m, "clip.vision.image_mean"), std = floats(m, "clip.vision.image_std");
        return new Qwen3VlVisionConfig(width, layers, heads, m.requireInt("clip.vision.feed_forward_length"), patch, 2,
                merge, grid, outDim, m.getFloat("clip.vision.attention.layer_norm_epsilon", 1e-6f), deepstack, mean, std,
                m.getLong("clip.vision.image_min_pixels", ImagePreprocessor.Config.DEFAULT_MIN_PIXELS),
                m.getLong("clip.vision.image_max_pixels", ImagePreprocessor.Config.DEFAULT_MAX_PIXELS));
    }

    private static float[] floats(GgufMetadata m, String key) throws GgufFormatException {
        if (!m.has(key)) return new float[] {0.5f, 0.5f, 0.5f};
        float[] v = m.getFloatArray(key);
        if (v == null || v.length != 3) throw new GgufFormatException(key + " must hold 3 values");
        return v;
    }

    public int headDim() {
        return width / heads;
    }

    /** Floats per patch: 3 channels × temporal × patch². */
    public int patchDim() {
        return 3 * temporalPatchSize * patchSize * patchSize;
    }

    /** Width of a merged token before projection: V · merge². */
    public int mergedWidth() {
        return width * mergeSize * mergeSize;
    }

    /** The HF image processor settings that go with this tower (torchvision resize, HF pixel bounds). */
    public ImagePreprocessor.Config preprocessorConfig() {
        return new ImagePreprocessor.Config(patchSize, mergeSize, temporalPatchSize, minPixels, maxPixels, imageMean, imageStd,
                io.qwen4j.image.BicubicResampler.Backend.TORCHVISION);
    }

    @Override
    public String toString() {
        return "qwen3vl_merger{width=" + width + ", layers=" + layers + ", heads=" + heads + ", ffn=" + ffnDim + ", patch="
                + patchSize + ", merge=" + mergeSize + ", pos=" + positionGrid + "x" + positionGrid + ", out=" + outDim
                + ", deepstack=" + Arrays.toString(deepstackLayers) + "}";
    }
}
