package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;

import static io.qwen4j.gguf.KQuantSearch.nearestInt;
import static io.qwen4j.gguf.LittleEndian.f16;
import static io.qwen4j.gguf.LittleEndian.putF16;
import static io.qwen4j.gguf.LittleEndian.putU8;
import static io.qwen4j.gguf.LittleEndian.u8;

/**
 * ggml's block_q2_K: 256 weights in 16 groups of 16 as {@code u8 scales[16]; u8 qs[64]; half d, dmin};
 * scales[g] holds the group's 4-bit scale (low nibble) and 4-bit min (high nibble);
 * weight = {@code d * scale_g * q - dmin * min_g} with 2-bit q. Each 32-byte half of qs holds 128 weights,
 * bit pair {@code 2k} of byte l being weight {@code 32k + l} of that half.
 */
final class Q2_KBlock {
    static final int WEIGHTS = 256;
    static final int BYTES = 84;

    private Q2_KBlock() {
    }

    static void dequantize(MemorySegment src, long at, float[] dst, int out, int blocks) {
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = f16(src, at + 80);
            float dmin = f16(src, at + 82);
            int group = 0;
            long q = at + 16;
            for (int half = 0; half < 2; half++, q += 32) {
                for (int shift = 0; shift < 8; shift += 2) {
                    for (int sub = 0; sub < 32; sub += 16) {
                        int sc = u8(src, at + group++);
                        float dl = d * (sc & 0xF), ml = dmin * (sc >>> 4);
                        for (int l = 0; l < 16; l++) dst[out++] = dl * ((u8(src, q + sub + l) >>> shift) & 3) - ml;
                    }
                }
            }
        }
    }

    /** quantize_row_q2_K_ref: per group a |x|-weighted (scale, min) fit, both then quantised to 4 bits. */
    static void quantize(float[] src, int in, MemorySegment dst, long at, int blocks) {
        byte[] levels = new byte[WEIGHTS];
        float[] weights = new float[16];
        float[] scales = new float[16], mins = new float[16];
        int[] packed = new int[16];
        for (int b = 0; b < blocks; b++, in += WEIGHTS, at += BYTES) {
            float maxScale = 0, maxMin = 0;
            for (int g = 0; g < 16; g++) {
                for (int l = 0; l < 16; l++) weights[l] = Math.abs(src[in + 16 * g + l]);
                scales[g] = KQuantSearch.scaleAndMin(16, 3, src, in + 16 * g, weights, levels, 16 * g, mins, g, -0.5f, 0.1f, 15, true);
                if (scales[g] > maxScale) maxScale = scales[g];
                if (mins[g] > maxMin) maxMin = mins[g];
            }
            java.util.Arrays.fill(packed, 0);
            if (maxScale > 0) {
                float iscale = 15.f / maxScale;
                for (int g = 0; g < 16; g++) packed[g] = nearestInt(iscale * scales[g]) & 0xFF;
                putF16(dst, at + 80, maxScale / 15.f);
            } else {
                putF16(dst, at + 80, 0.f);
            }
            if (maxMin > 0) {
                float iscale = 15.f / maxMin;
                for (int g = 0; g < 16; g++) packed[g] = (packed[g] | nearestInt(iscale * mins[g]) << 4) & 0xFF;
                putF16(dst, at + 82, maxMin / 15.f);
            } else {
                putF16(dst, at + 82, 0.f);
            }
            float d = f16(dst, at + 80), dmin = f16(dst, at + 82);
            for (int g = 0; g < 16; g++) {
                putU8(dst, at + g, packed[g]);
                float dg = d * (packed[g] & 0xF);
                if (dg == 0) continue;
                float dm = dmin * (packed[g] >>> 4);
                for (int i = 0; i < 16; i++) {
                    levels[16 * g + i] = (byte) KQuantSearch.clamp(nearestInt((src[in + 16 * g + i] + dm) / dg), 0, 3);
                }
            }
            for (int j = 0; j < WEIGHTS; j += 128) {
                for (int l = 0; l < 32; l++) {
                    putU8(dst, at + 16 + j / 4 + l,
                            levels[j + l] | levels[j + l + 32] << 2 | levels[j + l + 64] << 4 | levels[j + l + 96] << 6);
                }
            }
        }
    }
}
