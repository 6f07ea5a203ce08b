package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;

import static io.qwen4j.gguf.KQuantSearch.nearestInt;
import static io.qwen4j.gguf.LittleEndian.F32;
import static io.qwen4j.gguf.LittleEndian.I16;
import static io.qwen4j.gguf.LittleEndian.i8;
import static io.qwen4j.gguf.LittleEndian.putU8;

/**
 * ggml's block_q8_K (the activation format K-quant dot products use): 256 weights as
 * {@code float d; i8 qs[256]; i16 bsums[16]}, bsums holding the sums of each 16 qs; weight j is {@code qs[j] * d}.
 */
final class Q8_KBlock {
    static final int WEIGHTS = 256;
    static final int BYTES = 292;

    private Q8_KBlock() {
    }

    static void dequantize(MemorySegment src, long at, float[] dst, int out, int blocks) {
        for (int b = 0; b < blocks; b++, at += BYTES, out += WEIGHTS) {
            float d = src.get(F32, at);
            for (int j = 0; j < WEIGHTS; j++) dst[out + j] = d * i8(src, at + 4 + j);
        }
    }

    /** quantize_row_q8_K_ref: the largest-magnitude value maps to -127. */
    static void quantize(float[] src, int in, MemorySegment dst, long at, int blocks) {
        for (int b = 0; b < blocks; b++, in += WEIGHTS, at += BYTES) {
            float max = 0, amax = 0;
            for (int j = 0; j < WEIGHTS; j++) {
                float ax = Math.abs(src[in + j]);
                if (ax > amax) {
                    amax = ax;
                    max = src[in + j];
                }
            }
            if (amax == 0) {
                dst.asSlice(at, BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -127.f / max;
            for (int j = 0; j < WEIGHTS; j++) putU8(dst, at + 4 + j, Math.min(127, nearestInt(iscale * src[in + j])));
            for (int g = 0; g < 16; g++) {
                int sum = 0;
                for (int i = 0; i < 16; i++) sum += i8(dst, at + 4 + 16 * g + i);
                dst.set(I16, at + 260 + 2L * g, (short) sum);
            }
            dst.set(F32, at, 1 / iscale);
        }
    }
}
