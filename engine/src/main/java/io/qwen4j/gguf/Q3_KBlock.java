package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;

import static io.qwen4j.gguf.KQuantSearch.nearestInt;
import static io.qwen4j.gguf.LittleEndian.f16;
import static io.qwen4j.gguf.LittleEndian.putF16;
import static io.qwen4j.gguf.LittleEndian.putU8;
import static io.qwen4j.gguf.LittleEndian.u8;

/**
 * ggml's block_q3_K: 256 weights in 16 groups of 16 as {@code u8 hmask[32]; u8 qs[64]; u8 scales[12]; half d}.
 * A weight is {@code d * (scale_g - 32) * (q - 4)} where q's low 2 bits come from qs (laid out as in Q2_K)
 * and {@code 4} is subtracted when its hmask bit is clear; the 6-bit group scales keep their low nibbles in
 * scales[0..7] and their top 2 bits in scales[8..11].
 */
final class Q3_KBlock {
    static final int WEIGHTS = 256;
    static final int BYTES = 110;

    private Q3_KBlock() {
    }

    /** The 6-bit scale of group {@code g} (0..15), still offset by 32. */
    static int scale(MemorySegment s, long scalesAt, int g) {
        int low = g < 8 ? u8(s, scalesAt + g) & 0xF : u8(s, scalesAt + g - 8) >>> 4;
        int high = (u8(s, scalesAt + 8 + g % 4) >>> (2 * (g / 4))) & 3;
        return low | high << 4;
    }

    static void dequantize(MemorySegment src, long at, float[] dst, int out, int blocks) {
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float dAll = f16(src, at + 108);
            int group = 0;
            int m = 1;
            long q = at + 32;
            for (int half = 0; half < 2; half++, q += 32) {
                for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                    for (int sub = 0; sub < 32; sub += 16) {
                        float dl = dAll * (scale(src, at + 96, group++) - 32);
                        for (int l = 0; l < 16; l++) {
                            int low = (u8(src, q + sub + l) >>> shift) & 3;
                            dst[out++] = dl * (low - ((u8(src, at + sub + l) & m) != 0 ? 0 : 4));
                        }
                    }
                }
            }
        }
    }

    /** quantize_row_q3_K_ref. */
    static void quantize(float[] src, int in, MemorySegment dst, long at, int blocks) {
        byte[] levels = new byte[WEIGHTS];
        float[] scales = new float[16];
        for (int b = 0; b < blocks; b++, in += WEIGHTS, at += BYTES) {
            float maxScale = 0, amax = 0;
            for (int g = 0; g < 16; g++) {
                scales[g] = KQuantSearch.q3Scale(16, 4, src, in + 16 * g, levels, 16 * g);
                float scale = Math.abs(scales[g]);
                if (scale > amax) {
                    amax = scale;
                    maxScale = scales[g];
                }
            }
            int[] packed = new int[12];
            if (maxScale != 0) {
                float iscale = -32.f / maxScale;
                for (int g = 0; g < 16; g++) {
                    int l = KQuantSearch.clamp((byte) nearestInt(iscale * scales[g]), -32, 31) + 32;
                    if (g < 8) packed[g] = l & 0xF;
                    else packed[g - 8] |= (l & 0xF) << 4;
                    packed[g % 4 + 8] |= (l >>> 4) << (2 * (g / 4));
                }
                putF16(dst, at + 108, 1 / iscale);
            } else {
                putF16(dst, at + 108, 0.f);
            }
            for (int i = 0; i < 12; i++) putU8(dst, at + 96 + i, packed[i]);
            float d = f16(dst, at + 108);
            for (int g = 0; g < 16; g++) {
                float dg = d * (scale(dst, at + 96, g) - 32);
                if (dg == 0) continue;
                for (int i = 0; i < 16; i++) {
                    levels[16 * g + i] = (byte) (KQuantSearch.clamp(nearestInt(src[in + 16 * g + i] / dg), -4, 3) + 4);
                }
            }
            int[] hmask = new int[32];
            for (int j = 0; j < WEIGHTS; j++) {
                if (levels[j] > 3) {
                    hmask[j % 32] |= 1 << (j / 32);
                    levels[j] -= 4;
                }
            }
            for (int j = 0; j < 32; j++) putU8(dst, at + j, hmask[j]);
            for (int j = 0; j < WEIGHTS; j += 128) {
                for (int l = 0; l < 32; l++) {
                    putU8(dst, at + 32 + j / 4 + l,
                            levels[j + l] | levels[j + l + 32] << 2 | levels[j + l + 64] << 4 | levels[j + l + 96] << 6);
                }
            }
        }
    }
}
