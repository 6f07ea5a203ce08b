package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;

/**
 * Reference (scalar) conversion of floats to ggml tensor data. Every format follows ggml's
 * quantize_row_*_ref, so quantising the same floats gives the bytes llama-quantize writes (without an
 * importance matrix). Meant for tests, random models and tools, not for speed.
 */
public final class GgmlQuantizer {

    private GgmlQuantizer() {
    }

    /** Whether {@link #quantize} can produce this type. */
    public static boolean canQuantize(GgmlType type) {
        return switch (type) {
            case I8, I16, I32, I64, F64 -> false;
            default -> true;
        };
    }

    /**
     * Encodes {@code src[srcOffset .. srcOffset + n)} as {@code type} into {@code dst} from byte {@code dstOffset};
     * writes {@code type.byteSize(n)} bytes. {@code n} must be a multiple of the type's block size.
     */
    public static void quantize(GgmlType type, float[] src, int srcOffset, int n, MemorySegment dst, long dstOffset) {
        if (n < 0 || n % type.blockSize != 0) {
            throw new IllegalArgumentException(n + " values is not a whole number of " + type + " blocks of " + type.blockSize);
        }
        java.util.Objects.checkFromIndexSize(srcOffset, n, src.length);
        int blocks = n / type.blockSize;
        switch (type) {
            case F32 -> MemorySegment.copy(src, srcOffset, dst, LittleEndian.F32, dstOffset, n);
            case F16 -> {
                for (int i = 0; i < n; i++) LittleEndian.putF16(dst, dstOffset + 2L * i, src[srcOffset + i]);
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) LittleEndian.putBf16(dst, dstOffset + 2L * i, src[srcOffset + i]);
            }
            case Q4_0 -> Q4_0Block.quantize(src, srcOffset, dst, dstOffset, blocks);
            case Q4_1 -> Q4_1Block.quantize(src, srcOffset, dst, dstOffset, blocks);
            case Q5_0 -> Q5_0Block.quantize(src, srcOffset, dst, dstOffset, blocks);
            case Q5_1 -> Q5_1Block.quantize(src, srcOffset, dst, dstOffset, blocks);
            case Q8_0 -> Q8_0Block.quantize(src, srcOffset, dst, dstOffset, blocks);
            case Q8_1 -> Q8_1Block.quantize(src, srcOffset, dst, dstOffset, blocks);
            case Q2_K -> Q2_KBlock.quantize(src, srcOffset, dst, dstOffset, blocks);
            case Q3_K -> Q3_KBlock.quantize(src, srcOffset, dst, dstOffset, blocks);
            case Q4_K -> Q4_KBlock.quantize(src, srcOffset, dst, dstOffset, blocks);
            case Q5_K -> Q5_KBlock.quantize(src, srcOffset, dst, dstOffset, blocks);
            case Q6_K -> Q6_KBlock.quantize(src, srcOffset, dst, dstOffset, blocks);
            case Q8_K -> Q8_KBlock.quantize(src, srcOffset, dst, dstOffset, blocks);
            case I8, I16, I32, I64, F64 -> throw new IllegalArgumentException("no quantiser to " + type);
        }
    }

    /** {@code src} (a whole number of blocks) encoded as {@code type}. */
    public static byte[] quantize(GgmlType type, float[] src) {
        long size = type.byteSize(src.length);
        if (size > GgmlDequantizer.MAX_ARRAY) throw new IllegalArgumentException(src.length + " values as " + type + " exceed one byte[]");
        byte[] out = new byte[(int) size];
        quantize(type, src, 0, src.length, MemorySegment.ofArray(out), 0);
        return out;
    }

}
