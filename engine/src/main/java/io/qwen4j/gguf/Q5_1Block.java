package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;

import static io.qwen4j.gguf.LittleEndian.I32;
import static io.qwen4j.gguf.LittleEndian.f16;
import static io.qwen4j.gguf.LittleEndian.putF16;
import static io.qwen4j.gguf.LittleEndian.putU8;
import static io.qwen4j.gguf.LittleEndian.u8;

/** ggml's block_q5_1: 32 weights as {@code half d, m; u32 qh; u8 qs[16]}; weight j is {@code q * d + m}. */
final class Q5_1Block {
    static final int WEIGHTS = 32;
    static final int BYTES = 24;

    private Q5_1Block() {
    }

    static void dequantize(MemorySegment src, long at, float[] dst, int out, int blocks) {
        for (int b = 0; b < blocks; b++, at += BYTES, out += WEIGHTS) {
            float d = f16(src, at);
            float m = f16(src, at + 2);
            int qh = src.get(I32, at + 4);
            for (int j = 0; j < 16; j++) {
                int q = u8(src, at + 8 + j);
                int lo = (q & 0xF) | ((qh >>> j) << 4) & 0x10;
                int hi = (q >>> 4) | (qh >>> (j + 12)) & 0x10;
                dst[out + j] = lo * d + m;
                dst[out + j + 16] = hi * d + m;
            }
        }
    }

    /** quantize_row_q5_1_ref: 32 levels from the block minimum to its maximum. */
    static void quantize(float[] src, int in, MemorySegment dst, long at, int blocks) {
        for (int b = 0; b < blocks; b++, in += WEIGHTS, at += BYTES) {
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < WEIGHTS; j++) {
                float v = src[in + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 31;
            float id = d != 0 ? 1.0f / d : 0.0f;
            putF16(dst, at, d);
            putF16(dst, at + 2, min);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int lo = (int) ((src[in + j] - min) * id + 0.5f) & 0xFF;
                int hi = (int) ((src[in + j + 16] - min) * id + 0.5f) & 0xFF;
                putU8(dst, at + 8 + j, (lo & 0xF) | (hi & 0xF) << 4);
                qh |= ((lo & 0x10) >>> 4) << j;
                qh |= ((hi & 0x10) >>> 4) << (j + 16);
            }
            dst.set(I32, at + 4, qh);
        }
    }
}
