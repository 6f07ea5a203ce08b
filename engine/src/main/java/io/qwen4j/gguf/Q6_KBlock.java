package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;

import static io.qwen4j.gguf.KQuantSearch.nearestInt;
import static io.qwen4j.gguf.LittleEndian.f16;
import static io.qwen4j.gguf.LittleEndian.i8;
import static io.qwen4j.gguf.LittleEndian.putF16;
import static io.qwen4j.gguf.LittleEndian.putU8;
import static io.qwen4j.gguf.LittleEndian.u8;

/**
 * ggml's block_q6_K: 256 weights in 16 groups of 16 as {@code u8 ql[128]; u8 qh[64]; i8 scales[16]; half d};
 * weight = {@code d * scale_g * (q - 32)} with 6-bit q: low 4 bits from ql, high 2 bits from qh. Each half
 * (128 weights) uses 64 ql bytes (low nibbles: weights 0-63, high nibbles: 64-127) and 32 qh bytes (bit pair
 * {@code 2k} of qh[l] belongs to weight {@code 32k + l}).
 */
final class Q6_KBlock {
    static final int WEIGHTS = 256;
    static final int BYTES = 210;

    private Q6_KBlock() {
    }

    static void dequantize(MemorySegment src, long at, float[] dst, int out, int blocks) {
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = f16(src, at + 208);
            long ql = at, qh = at + 128, sc = at + 192;
            for (int half = 0; half < 2; half++, ql += 64, qh += 32, sc += 8, out += 128) {
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int h = u8(src, qh + l);
                    int q1 = ((u8(src, ql + l) & 0xF) | (h & 3) << 4) - 32;
                    int q2 = ((u8(src, ql + l + 32) & 0xF) | ((h >>> 2) & 3) << 4) - 32;
                    int q3 = ((u8(src, ql + l) >>> 4) | ((h >>> 4) & 3) << 4) - 32;
                    int q4 = ((u8(src, ql + l + 32) >>> 4) | ((h >>> 6) & 3) << 4) - 32;
                    dst[out + l] = d * i8(src, sc + is) * q1;
                    dst[out + l + 32] = d * i8(src, sc + is + 2) * q2;
                    dst[out + l + 64] = d * i8(src, sc + is + 4) * q3;
                    dst[out + l + 96] = d * i8(src, sc + is + 6) * q4;
                }
            }
        }
    }

    /** quantize_row_q6_K_ref: per-group symmetric scale search, then 8-bit group scales. */
    static void quantize(float[] src, int in, MemorySegment dst, long at, int blocks) {
        byte[] levels = new byte[WEIGHTS];
        float[] scales = new float[16];
        for (int b = 0; b < blocks; b++, in += WEIGHTS, at += BYTES) {
            float maxScale = 0, maxAbsScale = 0;
            for (int g = 0; g < 16; g++) {
                scales[g] = KQuantSearch.symmetricScale(16, 32, src, in + 16 * g, levels, 16 * g);
                float abs = Math.abs(scales[g]);
                if (abs > maxAbsScale) {
                    maxAbsScale = abs;
                    maxScale = scales[g];
                }
            }
            if (maxAbsScale < KQuantSearch.GROUP_MAX_EPS) {
                dst.asSlice(at, BYTES).fill((byte) 0);
                continue;
            }
            float iscale = -128.f / maxScale;
            putF16(dst, at + 208, 1 / iscale);
            for (int g = 0; g < 16; g++) putU8(dst, at + 192 + g, Math.min(127, nearestInt(iscale * scales[g])));
            float d = f16(dst, at + 208);
            for (int g = 0; g < 16; g++) {
                float dg = d * i8(dst, at + 192 + g);
                if (dg == 0) continue;
                for (int i = 0; i < 16; i++) {
                    levels[16 * g + i] = (byte) (KQuantSearch.clamp(nearestInt(src[in + 16 * g + i] / dg), -32, 31) + 32);
                }
            }
            long ql = at, qh = at + 128;
            for (int j = 0; j < WEIGHTS; j += 128, ql += 64, qh += 32) {
                for (int l = 0; l < 32; l++) {
                    int q1 = levels[j + l], q2 = levels[j + l + 32], q3 = levels[j + l + 64], q4 = levels[j + l + 96];
                    putU8(dst, ql + l, (q1 & 0xF) | (q3 & 0xF) << 4);
                    putU8(dst, ql + l + 32, (q2 & 0xF) | (q4 & 0xF) << 4);
                    putU8(dst, qh + l, q1 >>> 4 | (q2 >>> 4) << 2 | (q3 >>> 4) << 4 | (q4 >>> 4) << 6);
                }
            }
        }
    }
}
