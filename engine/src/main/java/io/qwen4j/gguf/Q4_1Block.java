package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;

import static io.qwen4j.gguf.LittleEndian.f16;
import static io.qwen4j.gguf.LittleEndian.putF16;
import static io.qwen4j.gguf.LittleEndian.putU8;
import static io.qwen4j.gguf.LittleEndian.u8;

/** ggml's block_q4_1: 32 weights as {@code half d, m; u8 qs[16]}; weight j is {@code nibble * d + m}. */
final class Q4_1Block {
    static final int WEIGHTS = 32;
    static final int BYTES = 20;

    private Q4_1Block() {
    }

    static void dequantize(MemorySegment src, long at, float[] dst, int out, int blocks) {
        for (int b = 0; b < blocks; b++, at += BYTES, out += WEIGHTS) {
            float d = f16(src, at);
            float m = f16(src, at + 2);
            for (int j = 0; j < 16; j++) {
                int q = u8(src, at + 4 + j);
                dst[out + j] = (q & 0xF) * d + m;
                dst[out + j + 16] = (q >>> 4) * d + m;
            }
        }
    }

    /** quantize_row_q4_1_ref: 16 levels spread from the block minimum to its maximum. */
    static void quantize(float[] src, int in, MemorySegment dst, long at, int blocks) {
        for (int b = 0; b < blocks; b++, in += WEIGHTS, at += BYTES) {
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < WEIGHTS; j++) {
                float v = src[in + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 15;
            float id = d != 0 ? 1.0f / d : 0.0f;
            putF16(dst, at, d);
            putF16(dst, at + 2, min);
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(15, (byte) (int) ((src[in + j] - min) * id + 0.5f));
                int hi = Math.min(15, (byte) (int) ((src[in + j + 16] - min) * id + 0.5f));
                putU8(dst, at + 4 + j, (lo & 0xF) | (hi & 0xF) << 4);
            }
        }
    }
}
