package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;

import static io.qwen4j.gguf.LittleEndian.f16;
import static io.qwen4j.gguf.LittleEndian.i8;
import static io.qwen4j.gguf.LittleEndian.putF16;
import static io.qwen4j.gguf.LittleEndian.putU8;

/** ggml's block_q8_0: 32 weights as {@code half d; i8 qs[32]}; weight j is {@code qs[j] * d}. */
final class Q8_0Block {
    static final int WEIGHTS = 32;
    static final int BYTES = 34;

    private Q8_0Block() {
    }

    static void dequantize(MemorySegment src, long at, float[] dst, int out, int blocks) {
        for (int b = 0; b < blocks; b++, at += BYTES, out += WEIGHTS) {
            float d = f16(src, at);
            for (int j = 0; j < WEIGHTS; j++) dst[out + j] = i8(src, at + 2 + j) * d;
        }
    }

    /** quantize_row_q8_0_ref: d = max|x| / 127, values rounded half away from zero (C roundf). */
    static void quantize(float[] src, int in, MemorySegment dst, long at, int blocks) {
        for (int b = 0; b < blocks; b++, in += WEIGHTS, at += BYTES) {
            float amax = 0;
            for (int j = 0; j < WEIGHTS; j++) amax = Math.max(amax, Math.abs(src[in + j]));
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            putF16(dst, at, d);
            for (int j = 0; j < WEIGHTS; j++) putU8(dst, at + 2 + j, roundHalfAwayFromZero(src[in + j] * id));
        }
    }

    /** C's roundf. */
    static int roundHalfAwayFromZero(float v) {
        return (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }
}
