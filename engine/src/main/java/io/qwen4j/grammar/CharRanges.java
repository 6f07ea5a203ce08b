package io.qwen4j.grammar;

import java.util.Arrays;

/** Operations on sets of code points kept as sorted, disjoint inclusive [lo, hi] pairs in an int array. */
final class CharRanges {
    private CharRanges() {
    }

    /** Sorts and merges arbitrary pairs into canonical form. */
    static int[] normalize(int[] pairs) {
        int n = pairs.length / 2;
        long[] packed = new long[n];
        for (int i = 0; i < n; i++) packed[i] = ((long) pairs[2 * i] << 32) | (pairs[2 * i + 1] & 0xFFFFFFFFL);
        Arrays.sort(packed);
        int[] out = new int[pairs.length];
        int k = 0;
        for (long p : packed) {
            int lo = (int) (p >>> 32), hi = (int) p;
            if (lo > hi) continue;
            if (k > 0 && lo <= out[k - 1] + 1) {
                out[k - 1] = Math.max(out[k - 1], hi);
            } else {
                out[k++] = lo;
                out[k++] = hi;
            }
        }
        return Arrays.copyOf(out, k);
    }

    static int[] union(int[] a, int[] b) {
        int[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return normalize(all);
    }

    static int[] complement(int[] a) {
        int[] out = new int[a.length + 2];
        int k = 0, next = 0;
        for (int i = 0; i < a.length; i += 2) {
            if (a[i] > next) {
                out[k++] = next;
                out[k++] = a[i] - 1;
            }
            next = a[i + 1] + 1;
        }
        if (next <= Regex.MAX_CODE_POINT) {
            out[k++] = next;
            out[k++] = Regex.MAX_CODE_POINT;
        }
        return Arrays.copyOf(out, k);
    }

    static int[] intersect(int[] a, int[] b) {
        return complement(union(complement(a), complement(b)));
    }

    static boolean contains(int[] ranges, int cp) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (cp < ranges[i]) return false;
            if (cp <= ranges[i + 1]) return true;
        }
        return false;
    }

    /** Adds the other-case forms of ASCII letters (for the {@code i} flag-free world we only need this for hex). */
    static int[] of(int... pairs) {
        return normalize(pairs.clone());
    }
}
