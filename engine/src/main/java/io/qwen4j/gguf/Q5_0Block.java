package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;

import static io.qwen4j.gguf.LittleEndian.I32;
import static io.qwen4j.gguf.LittleEndian.f16;
import static io.qwen4j.gguf.LittleEndian.putF16;
import static io.qwen4j.gguf.LittleEndian.putU8;
import static io.qwen4j.gguf.LittleEndian.u8;

/**
 * ggml's block_q5_0: 32 weights as {@code half d; u32 qh; u8 qs[16]}; the 5th bit of weight j is bit j of qh,
 * and weight j is {@code (q - 16) * d}.
 */
final class Q5_0Block {
    static final int WEIGHTS = 32;
    static final int BYTES = 22;

    private Q5_0Block() {
    }

    static void dequantize(MemorySegment src, long at, float[] dst, int out, int blocks) {
        for (int b = 0; b < blocks; b++, at += BYTES, out += WEIGHTS) {
            float d = f16(src, at);
            int qh = src.get(I32, at + 2);
            for (int j = 0; j < 16; j++) {
                int q = u8(src, at + 6 + j);
                int lo = ((q & 0xF) | ((qh >>> j) << 4) & 0x10) - 16;
                int hi = ((q >>> 4) | (qh >>> (j + 12)) & 0x10) - 16;
                dst[out + j] = lo * d;
                dst[out + j + 16] = hi * d;
            }
        }
    }

    /** quantize_row_q5_0_ref: like Q4_0 with 32 levels, the largest-magnitude value mapping to -16. */
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
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            putF16(dst, at, d);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(31, (byte) (int) (src[in + j] * id + 16.5f)) & 0x1F;
                int hi = Math.min(31, (byte) (int) (src[in + j + 16] * id + 16.5f)) & 0x1F;
                putU8(dst, at + 6 + j, (lo & 0xF) | (hi & 0xF) << 4);
                qh |= (lo >>> 4) << j;
                qh |= (hi >>> 4) << (j + 16);
            }
            dst.set(I32, at + 2, qh);
        }
    }
}
