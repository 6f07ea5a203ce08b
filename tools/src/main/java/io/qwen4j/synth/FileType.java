package io.qwen4j.synth;

import io.qwen4j.gguf.GgmlType;

import java.util.Locale;

/**
 * A llama.cpp file type ({@code general.file_type}, {@code llama_ftype}) and the type each tensor gets in
 * such a file, following llama.cpp's {@code llama_tensor_get_type} without an importance matrix:
 * norms and other vectors stay F32; the output matrix (the token embedding when tied) is Q6_K in every
 * quantised type but Q8_0; Q4_K_M / Q5_K_M give {@code attn_v} and {@code ffn_down} Q6_K in the layers
 * {@link #useMoreBits} picks; Q4_K_S gives the first of them Q5_K; a k-quant row whose length is not a
 * multiple of 256 falls back to a 32-block type.
 */
public enum FileType {
    F32(0, GgmlType.F32),
    F16(1, GgmlType.F16),
    BF16(32, GgmlType.BF16),
    Q8_0(7, GgmlType.Q8_0),
    Q4_0(2, GgmlType.Q4_0),
    Q4_1(3, GgmlType.Q4_1),
    Q5_0(8, GgmlType.Q5_0),
    Q5_1(9, GgmlType.Q5_1),
    Q4_K_S(14, GgmlType.Q4_K),
    Q4_K_M(15, GgmlType.Q4_K),
    Q5_K_S(16, GgmlType.Q5_K),
    Q5_K_M(17, GgmlType.Q5_K),
    Q6_K(18, GgmlType.Q6_K);

    /** The value of {@code general.file_type}. */
    public final int id;
    /** The type of most matrices. */
    public final GgmlType base;

    FileType(int id, GgmlType base) {
        this.id = id;
        this.base = base;
    }

    /** By name, case-insensitive; {@code Q4_K} and {@code Q5_K} mean the _M variants, as in llama-quantize. */
    public static FileType parse(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        return switch (n) {
            case "Q4_K" -> Q4_K_M;
            case "Q5_K" -> Q5_K_M;
            default -> valueOf(n);
        };
    }

    private boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** llama.cpp's {@code use_more_bits}: the first and last eighth of the layers and every third between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /**
     * The type of text-model tensor {@code name} (e.g. {@code blk.3.ffn_down.weight}) with rows of
     * {@code cols} values, of a model with {@code layers} layers; {@code tied} when the token embedding
     * doubles as the output matrix.
     */
    public GgmlType textTensorType(String name, int cols, int dims, int layers, boolean tied) {
        if (dims < 2) return GgmlType.F32;
        if (isFloat()) return base;
        GgmlType t = base;
        int layer = layerOf(name);
        if (name.equals("output.weight") || (tied && name.equals("token_embd.weight"))) {
            if (base != GgmlType.Q8_0) t = GgmlType.Q6_K;
        } else if (name.endsWith("attn_v.weight")) {
            if ((this == Q4_K_M || this == Q5_K_M) && useMoreBits(layer, layers)) t = GgmlType.Q6_K;
            else if (this == Q4_K_S && layer < 4) t = GgmlType.Q5_K;
        } else if (name.endsWith("ffn_down.weight")) {
            if ((this == Q4_K_M || this == Q5_K_M) && useMoreBits(layer, layers)) t = GgmlType.Q6_K;
            else if (this == Q4_K_S && layer < layers / 8) t = GgmlType.Q5_K;
        }
        return fitting(t, cols);
    }

    /**
     * The type of vision-tower tensor {@code name} as llama.cpp's converter writes an mmproj of this type:
     * vectors and the position table F32, the patch convolutions F16, other matrices this type.
     */
    public GgmlType visionTensorType(String name, int cols, int dims) {
        if (dims < 2 || name.startsWith("v.position_embd")) return GgmlType.F32;
        if (name.startsWith("v.patch_embd")) return this == F32 ? GgmlType.F32 : GgmlType.F16;
        if (isFloat()) return base;
        GgmlType t = fitting(base, cols);
        return cols % t.blockSize == 0 ? t : GgmlType.F16;
    }

    /** llama.cpp's fallback for k-quant rows that are not whole 256-blocks. */
    private static GgmlType fitting(GgmlType t, int cols) {
        if (cols % t.blockSize == 0) return t;
        return switch (t) {
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            default -> GgmlType.Q4_0;
        };
    }

    private static int layerOf(String name) {
        if (!name.startsWith("blk.")) return -1;
        return Integer.parseInt(name.substring(4, name.indexOf('.', 4)));
    }
}
