package io.qwen4j.gguf;

import java.lang.foreign.MemorySegment;

import static io.qwen4j.gguf.LittleEndian.putU8;
import static io.qwen4j.gguf.LittleEndian.u8;

/**
 * The 12-byte field of Q4_K and Q5_K holding eight 6-bit scales and eight 6-bit mins (ggml's
 * get_scale_min_k4): bytes 0-3 scales 0-3 and bytes 4-7 mins 0-3 in their low 6 bits; scales and mins 4-7
 * keep their low nibbles in bytes 8-11 and their top 2 bits in the spare top bits of bytes 0-7.
 */
final class PackedScales6 {
    static final int BYTES = 12;

    private PackedScales6() {
    }

    static int scale(MemorySegment s, long at, int j) {
        return j < 4 ? u8(s, at + j) & 63 : (u8(s, at + j + 4) & 0xF) | (u8(s, at + j - 4) >>> 6) << 4;
    }

    static int min(MemorySegment s, long at, int j) {
        return j < 4 ? u8(s, at + j + 4) & 63 : (u8(s, at + j + 4) >>> 4) | (u8(s, at + j) >>> 6) << 4;
    }

    /** Packs {@code scales[j]}, {@code mins[j]} (each 0..63), as quantize_row_q4_K_ref does. */
    static void pack(int[] scales, int[] mins, MemorySegment s, long at) {
        int[] b = new int[BYTES];
        for (int j = 0; j < 8; j++) {
            int ls = scales[j], lm = mins[j];
            if (j < 4) {
                b[j] = ls;
                b[j + 4] = lm;
            } else {
                b[j + 4] = (ls & 0xF) | (lm & 0xF) << 4;
                b[j - 4] |= (ls >>> 4) << 6;
                b[j] |= (lm >>> 4) << 6;
            }
        }
        for (int i = 0; i < BYTES; i++) putU8(s, at + i, b[i]);
    }
}
