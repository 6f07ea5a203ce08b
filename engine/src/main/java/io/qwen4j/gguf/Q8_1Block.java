package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;

import static io.qwen4j.gguf.LittleEndian.f16;
import static io.qwen4j.gguf.LittleEndian.i8;
import static io.qwen4j.gguf.LittleEndian.putF16;
import static io.qwen4j.gguf.LittleEndian.putU8;

/**
 * ggml's block_q8_1: 32 weights as {@code half d, s; i8 qs[32]} where {@code s = d * sum(qs)} is a
 * precomputed term for dot products with Q4_1/Q5_1; weight j is {@code qs[j] * d}.
 */
final class Q8_1Block {
    static final int WEIGHTS = 32;
    static final int BYTES = 36;

    private Q8_1Block() {
    }

    static void dequantize(MemorySegment src, long at, float[] dst, int out, int blocks) {
        for (int b = 0; b < blocks; b++, at += BYTES, out += WEIGHTS) {
            float d = f16(src, at);
            for (int j = 0; j < WEIGHTS; j++) dst[out + j] = i8(src, at + 4 + j) * d;
        }
    }

    /** quantize_row_q8_1_ref. */
    static void quantize(float[] src, int in, MemorySegment dst, long at, int blocks) {
        for (int b = 0; b < blocks; b++, in += WEIGHTS, at += BYTES) {
            float amax = 0;
            for (int j = 0; j < WEIGHTS; j++) amax = Math.max(amax, Math.abs(src[in + j]));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            int sum = 0;
            for (int j = 0; j < WEIGHTS; j++) {
                int q = (byte) Q8_0Block.roundHalfAwayFromZero(src[in + j] * id);
                putU8(dst, at + 4 + j, q);
                sum += q;
            }
            putF16(dst, at, d);
            putF16(dst, at + 2, sum * d);
        }
    }
}
