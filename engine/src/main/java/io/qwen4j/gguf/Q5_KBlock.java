package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;

import static io.qwen4j.gguf.LittleEndian.f16;
import static io.qwen4j.gguf.LittleEndian.putF16;
import static io.qwen4j.gguf.LittleEndian.putU8;
import static io.qwen4j.gguf.LittleEndian.u8;

/**
 * ggml's block_q5_K: like Q4_K plus a fifth bit per weight,
 * {@code half d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}; bit {@code 2k} / {@code 2k+1} of qh[l] is the
 * fifth bit of weight l of group 2k / 2k+1.
 */
final class Q5_KBlock {
    static final int WEIGHTS = 256;
    static final int BYTES = 176;

    private Q5_KBlock() {
    }

    static void dequantize(MemorySegment src, long at, float[] dst, int out, int blocks) {
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = f16(src, at);
            float dmin = f16(src, at + 2);
            long qh = at + 16;
            long ql = at + 48;
            int u1 = 1, u2 = 2;
            for (int g = 0; g < 8; g += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
                float d1 = d * PackedScales6.scale(src, at + 4, g), m1 = dmin * PackedScales6.min(src, at + 4, g);
                float d2 = d * PackedScales6.scale(src, at + 4, g + 1), m2 = dmin * PackedScales6.min(src, at + 4, g + 1);
                for (int l = 0; l < 32; l++) {
                    dst[out++] = d1 * ((u8(src, ql + l) & 0xF) + ((u8(src, qh + l) & u1) != 0 ? 16 : 0)) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    dst[out++] = d2 * ((u8(src, ql + l) >>> 4) + ((u8(src, qh + l) & u2) != 0 ? 16 : 0)) - m2;
                }
            }
        }
    }

    /** quantize_row_q5_K_ref: Q4_K's search with 32 levels. */
    static void quantize(float[] src, int in, MemorySegment dst, long at, int blocks) {
        byte[] levels = new byte[WEIGHTS];
        float[] weights = new float[32];
        float[] scales = new float[8], mins = new float[8];
        int[] qScales = new int[8], qMins = new int[8];
        for (int b = 0; b < blocks; b++, in += WEIGHTS, at += BYTES) {
            float maxScale = 0, maxMin = 0;
            for (int g = 0; g < 8; g++) {
                Q4_KBlock.groupWeights(src, in + 32 * g, weights);
                scales[g] = KQuantSearch.scaleAndMin(32, 31, src, in + 32 * g, weights, levels, 32 * g, mins, g, -0.5f, 0.1f, 15, false);
                if (scales[g] > maxScale) maxScale = scales[g];
                if (mins[g] > maxMin) maxMin = mins[g];
            }
            Q4_KBlock.quantizeScales(scales, mins, maxScale, maxMin, qScales, qMins);
            PackedScales6.pack(qScales, qMins, dst, at + 4);
            putF16(dst, at, maxScale / 63.f);
            putF16(dst, at + 2, maxMin / 63.f);
            Q4_KBlock.requantize(src, in, f16(dst, at), f16(dst, at + 2), qScales, qMins, 31, levels);
            int[] qh = new int[32];
            long ql = at + 48;
            int m1 = 1, m2 = 2;
            for (int n = 0; n < WEIGHTS; n += 64, ql += 32, m1 <<= 2, m2 <<= 2) {
                for (int j = 0; j < 32; j++) {
                    int l1 = levels[n + j], l2 = levels[n + j + 32];
                    if (l1 > 15) {
                        l1 -= 16;
                        qh[j] |= m1;
                    }
                    if (l2 > 15) {
                        l2 -= 16;
                        qh[j] |= m2;
                    }
                    putU8(dst, ql + j, l1 | l2 << 4);
                }
            }
            for (int j = 0; j < 32; j++) putU8(dst, at + 16 + j, qh[j]);
        }
    }
}
