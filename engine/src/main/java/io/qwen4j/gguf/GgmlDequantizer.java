package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reference (scalar) conversion of ggml tensor data to floats, bit-exact with ggml's dequantize_row_*:
 * every product and sum is evaluated in float in ggml's order (Java never fuses multiply-adds).
 * Meant for tests, tools and loading; the fast kernels live elsewhere.
 */
public final class GgmlDequantizer {

    private GgmlDequantizer() {
    }

    /**
     * Converts {@code n} values of type {@code type} starting at byte {@code srcOffset} of {@code src} into
     * {@code dst[dstOffset .. dstOffset + n)}. {@code n} must be a multiple of the type's block size.
     */
    public static void dequantize(GgmlType type, MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        if (n < 0 || n % type.blockSize != 0) {
            throw new IllegalArgumentException(n + " values is not a whole number of " + type + " blocks of " + type.blockSize);
        }
        java.util.Objects.checkFromIndexSize(dstOffset, n, dst.length);
        int blocks = n / type.blockSize;
        switch (type) {
            case F32 -> MemorySegment.copy(src, LittleEndian.F32, srcOffset, dst, dstOffset, n);
            case F16 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = LittleEndian.f16(src, srcOffset + 2L * i);
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = LittleEndian.bf16(src, srcOffset + 2L * i);
            }
            case F64 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = (float) src.get(LittleEndian.F64, srcOffset + 8L * i);
            }
            case I8 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = src.get(ValueLayout.JAVA_BYTE, srcOffset + i);
            }
            case I16 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = src.get(LittleEndian.I16, srcOffset + 2L * i);
            }
            case I32 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = src.get(LittleEndian.I32, srcOffset + 4L * i);
            }
            case I64 -> {
                for (int i = 0; i < n; i++) dst[dstOffset + i] = src.get(LittleEndian.I64, srcOffset + 8L * i);
            }
            case Q4_0 -> Q4_0Block.dequantize(src, srcOffset, dst, dstOffset, blocks);
            case Q4_1 -> Q4_1Block.dequantize(src, srcOffset, dst, dstOffset, blocks);
            case Q5_0 -> Q5_0Block.dequantize(src, srcOffset, dst, dstOffset, blocks);
            case Q5_1 -> Q5_1Block.dequantize(src, srcOffset, dst, dstOffset, blocks);
            case Q8_0 -> Q8_0Block.dequantize(src, srcOffset, dst, dstOffset, blocks);
            case Q8_1 -> Q8_1Block.dequantize(src, srcOffset, dst, dstOffset, blocks);
            case Q2_K -> Q2_KBlock.dequantize(src, srcOffset, dst, dstOffset, blocks);
            case Q3_K -> Q3_KBlock.dequantize(src, srcOffset, dst, dstOffset, blocks);
            case Q4_K -> Q4_KBlock.dequantize(src, srcOffset, dst, dstOffset, blocks);
            case Q5_K -> Q5_KBlock.dequantize(src, srcOffset, dst, dstOffset, blocks);
            case Q6_K -> Q6_KBlock.dequantize(src, srcOffset, dst, dstOffset, blocks);
            case Q8_K -> Q8_KBlock.dequantize(src, srcOffset, dst, dstOffset, blocks);
        }
    }

    /** The whole tensor as floats (at most {@link #MAX_ARRAY} elements). */
    public static float[] dequantize(GgufFile file, GgufTensorInfo info) {
        long n = info.elementCount();
        if (n > MAX_ARRAY) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' has " + n + " elements, more than one float[] holds");
        }
        float[] out = new float[(int) n];
        dequantize(info.type(), file.tensorData(info), 0, out, 0, (int) n);
        return out;
    }

    /** Rows {@code [firstRow, firstRow + rowCount)} of a tensor (a row = {@code ne[0]} values), as floats. */
    public static float[] dequantizeRows(GgufFile file, GgufTensorInfo info, long firstRow, int rowCount) {
        long rowLength = info.dim(0);
        long rows = info.elementCount() / rowLength;
        if (firstRow < 0 || rowCount < 0 || firstRow > rows - rowCount) {
            throw new IndexOutOfBoundsException("rows " + firstRow + "+" + rowCount + " of tensor '" + info.name() + "' with " + rows + " rows");
        }
        long n = rowLength * rowCount;
        if (n > MAX_ARRAY) throw new IllegalArgumentException(rowCount + " rows of tensor '" + info.name() + "' exceed one float[]");
        float[] out = new float[(int) n];
        long rowBytes = info.type().byteSize(rowLength);
        dequantize(info.type(), file.tensorData(info), firstRow * rowBytes, out, 0, (int) n);
        return out;
    }

    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
}
