package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;

import static io.qwen4j.gguf.KQuantSearch.nearestInt;
import static io.qwen4j.gguf.LittleEndian.f16;
import static io.qwen4j.gguf.LittleEndian.putF16;
import static io.qwen4j.gguf.LittleEndian.putU8;
import static io.qwen4j.gguf.LittleEndian.u8;

/**
 * ggml's block_q4_K: 256 weights in 8 groups of 32 as {@code half d, dmin; u8 scales[12]; u8 qs[128]};
 * weight = {@code d * scale_g * q - dmin * min_g} with 6-bit group scales/mins ({@link PackedScales6}).
 * Each 32-byte run of qs holds two groups: low nibbles the first, high nibbles the second.
 */
final class Q4_KBlock {
    static final int WEIGHTS = 256;
    static final int BYTES = 144;

    private Q4_KBlock() {
    }

    static void dequantize(MemorySegment src, long at, float[] dst, int out, int blocks) {
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = f16(src, at);
            float dmin = f16(src, at + 2);
            long q = at + 16;
            for (int g = 0; g < 8; g += 2, q += 32) {
                float d1 = d * PackedScales6.scale(src, at + 4, g), m1 = dmin * PackedScales6.min(src, at + 4, g);
                float d2 = d * PackedScales6.scale(src, at + 4, g + 1), m2 = dmin * PackedScales6.min(src, at + 4, g + 1);
                for (int l = 0; l < 32; l++) dst[out++] = d1 * (u8(src, q + l) & 0xF) - m1;
                for (int l = 0; l < 32; l++) dst[out++] = d2 * (u8(src, q + l) >>> 4) - m2;
            }
        }
    }

    /** quantize_row_q4_K_ref: per group a weighted (scale, min) fit, then both quantised to 6 bits. */
    static void quantize(float[] src, int in, MemorySegment dst, long at, int blocks) {
        byte[] levels = new byte[WEIGHTS];
        float[] weights = new float[32];
        float[] scales = new float[8], mins = new float[8];
        int[] qScales = new int[8], qMins = new int[8];
        for (int b = 0; b < blocks; b++, in += WEIGHTS, at += BYTES) {
            float maxScale = 0, maxMin = 0;
            for (int g = 0; g < 8; g++) {
                groupWeights(src, in + 32 * g, weights);
                scales[g] = KQuantSearch.scaleAndMin(32, 15, src, in + 32 * g, weights, levels, 32 * g, mins, g, -1f, 0.1f, 20, false);
                if (scales[g] > maxScale) maxScale = scales[g];
                if (mins[g] > maxMin) maxMin = mins[g];
            }
            quantizeScales(scales, mins, maxScale, maxMin, qScales, qMins);
            PackedScales6.pack(qScales, qMins, dst, at + 4);
            putF16(dst, at, maxScale / 63.f);
            putF16(dst, at + 2, maxMin / 63.f);
            requantize(src, in, f16(dst, at), f16(dst, at + 2), qScales, qMins, 15, levels);
            long q = at + 16;
            for (int j = 0; j < WEIGHTS; j += 64, q += 32) {
                for (int l = 0; l < 32; l++) putU8(dst, q + l, levels[j + l] | levels[j + l + 32] << 4);
            }
        }
    }

    /** The K-quant group weights: the group's RMS plus each value's magnitude. */
    static void groupWeights(float[] src, int in, float[] weights) {
        float sumX2 = 0;
        for (int l = 0; l < 32; l++) sumX2 += src[in + l] * src[in + l];
        float avX = (float) Math.sqrt(sumX2 / 32);
        for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(src[in + l]);
    }

    /** The 6-bit codes of eight group scales and mins relative to their maxima. */
    static void quantizeScales(float[] scales, float[] mins, float maxScale, float maxMin, int[] qScales, int[] qMins) {
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        for (int g = 0; g < 8; g++) {
            qScales[g] = Math.min(63, nearestInt(invScale * scales[g]) & 0xFF);
            qMins[g] = Math.min(63, nearestInt(invMin * mins[g]) & 0xFF);
        }
    }

    /** Levels recomputed against the stored (rounded) scales, as the reference quantiser does. */
    static void requantize(float[] src, int in, float d, float dmin, int[] qScales, int[] qMins, int nmax, byte[] levels) {
        for (int g = 0; g < 8; g++) {
            float dg = d * qScales[g];
            if (dg == 0) continue;
            float dm = dmin * qMins[g];
            for (int i = 0; i < 32; i++) {
                levels[32 * g + i] = (byte) KQuantSearch.clamp(nearestInt((src[in + 32 * g + i] + dm) / dg), 0, nmax);
            }
        }
    }
}
