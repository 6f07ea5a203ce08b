package io.qwen4j.grammar;

import java.util.List;

/** Splits code-point intervals into UTF-8 byte-range sequences (each byte position a contiguous range). */
final class Utf8Ranges {
    private Utf8Ranges() {
    }

    /** Appends, for every scalar value in [lo, hi] (surrogates skipped), sequences of [lo,hi] byte ranges. */
    static void split(int lo, int hi, List<int[][]> out) {
        if (lo > hi) return;
        if (lo <= 0xDFFF && hi >= 0xD800) {
            split(lo, 0xD7FF, out);
            split(0xE000, hi, out);
            return;
        }
        int[] maxes = {0x7F, 0x7FF, 0xFFFF};
        for (int max : maxes) {
            if (lo <= max && hi > max) {
                split(lo, max, out);
                split(max + 1, hi, out);
                return;
            }
        }
        if (hi <= 0x7F) {
            out.add(new int[][] {{lo, hi}});
            return;
        }
        for (int i = 1; i < 4; i++) {
            int m = (1 << (6 * i)) - 1;
            if ((lo & ~m) != (hi & ~m)) {
                if ((lo & m) != 0) {
                    split(lo, lo | m, out);
                    split((lo | m) + 1, hi, out);
                    return;
                }
                if ((hi & m) != m) {
                    split(lo, (hi & ~m) - 1, out);
                    split(hi & ~m, hi, out);
                    return;
                }
            }
        }
        byte[] a = Character.toString(lo).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] b = Character.toString(hi).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int[][] seq = new int[a.length][];
        for (int i = 0; i < a.length; i++) seq[i] = new int[] {a[i] & 0xFF, b[i] & 0xFF};
        out.add(seq);
    }
}
