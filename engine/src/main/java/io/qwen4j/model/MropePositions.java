package io.qwen4j.model;

import java.util.Arrays;

/**
 * Builds the (t, h, w) M-RoPE positions of a token sequence, as Hugging Face's {@code get_rope_index}:
 * a text token gets (p, p, p) and advances p by one; the N = mh·mw tokens of an image (merged grid rows
 * mh, columns mw) starting at p get (p, p + row, p + col), then p advances by max(mh, mw). Positions are
 * not KV indices: after an image they run behind the token count.
 */
public final class MropePositions {
    private int[] t = new int[16], h = new int[16], w = new int[16];
    private int size;
    private int next;

    public MropePositions() {
        this(0);
    }

    /** Starts at position {@code first} (e.g. to continue a sequence). */
    public MropePositions(int first) {
        this.next = first;
    }

    public MropePositions text(int count) {
        for (int i = 0; i < count; i++) add(next, next, next++);
        return this;
    }

    public MropePositions image(int mergedRows, int mergedCols) {
        int s = next;
        for (int r = 0; r < mergedRows; r++) {
            for (int c = 0; c < mergedCols; c++) add(s, s + r, s + c);
        }
        next = s + Math.max(mergedRows, mergedCols);
        return this;
    }

    private void add(int pt, int ph, int pw) {
        if (size == t.length) {
            t = Arrays.copyOf(t, size * 2);
            h = Arrays.copyOf(h, size * 2);
            w = Arrays.copyOf(w, size * 2);
        }
        t[size] = pt;
        h[size] = ph;
        w[size++] = pw;
    }

    public int size() {
        return size;
    }

    /** The position the next text token gets. */
    public int next() {
        return next;
    }

    public int[] t() {
        return Arrays.copyOf(t, size);
    }

    public int[] h() {
        return Arrays.copyOf(h, size);
    }

    public int[] w() {
        return Arrays.copyOf(w, size);
    }
}
