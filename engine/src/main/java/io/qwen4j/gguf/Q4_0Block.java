package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;

import static io.qwen4j.gguf.LittleEndian.f16;
import static io.qwen4j.gguf.LittleEndian.putF16;
import static io.qwen4j.gguf.LittleEndian.putU8;
import static io.qwen4j.gguf.LittleEndian.u8;

/**
 * ggml's block_q4_0: 32 weights as {@code half d; u8 qs[16]}; weight j is {@code (nibble - 8) * d}, low nibbles
 * holding weights 0..15 and high nibbles 16..31.
 */
final class Q4_0Block {
    static final int WEIGHTS = 32;
    static final int BYTES = 18;

    private Q4_0Block() {
    }

    static void dequantize(MemorySegment src, long at, float[] dst, int out, int blocks) {
        for (int b = 0; b < blocks; b++, at += BYTES, out += WEIGHTS) {
            float d = f16(src, at);
            for (int j = 0; j < 16; j++) {
                int q = u8(src, at + 2 + j);
                dst[out + j] = ((q & 0xF) - 8) * d;
                dst[out + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }

    /** quantize_row_q4_0_ref: the value of largest magnitude maps to -8, so d keeps its sign. */
    static void quantize(float[] src, int in, MemorySegment dst, long at, int blocks) {
        for (int b = 0; b < blocks; b++, in += WEIGHTS, at += BYTES) {
            float amax = 0, max = 0;
            for (int j = 0; j < WEIGHTS; j++) {
                float v = src[in + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            putF16(dst, at, d);
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(15, (byte) (int) (src[in + j] * id + 8.5f));
                int hi = Math.min(15, (byte) (int) (src[in + j + 16] * id + 8.5f));
                putU8(dst, at + 2 + j, (lo & 0xF) | (hi & 0xF) << 4);
            }
        }
    }
}
