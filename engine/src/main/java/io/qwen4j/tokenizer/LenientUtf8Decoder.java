package io.qwen4j.tokenizer;

/**
 * Incremental UTF-8 to UTF-16 decoding that never fails: each maximal ill-formed subpart becomes one
 * U+FFFD (Unicode's recommended practice, also what Rust's {@code from_utf8_lossy} — HF's decoder — and
 * WHATWG do). Bytes of a character split across {@link #feed} calls are held as state until the
 * character completes, and turned into U+FFFD as soon as a byte arrives that can never complete it.
 * Not thread-safe: one instance per stream.
 */
final class LenientUtf8Decoder {

    static final char REPLACEMENT = '\uFFFD';

    /** Continuation bytes still needed by the pending sequence; 0 when none is pending. */
    private int needed;
    private int codePoint;
    /** Range the next continuation byte must lie in (narrower after E0, ED, F0, F4). */
    private int low = 0x80;
    private int high = 0xBF;

    void feed(byte[] bytes, int off, int len, StringBuilder out) {
        for (int i = off; i < off + len; i++) {
            int b = bytes[i] & 0xFF;
            if (needed > 0) {
                if (b >= low && b <= high) {
                    codePoint = (codePoint << 6) | (b & 0x3F);
                    low = 0x80;
                    high = 0xBF;
                    if (--needed == 0) out.appendCodePoint(codePoint);
                    continue;
                }
                // The pending prefix can never complete: replace it, then read this byte afresh.
                out.append(REPLACEMENT);
                needed = 0;
                low = 0x80;
                high = 0xBF;
            }
            start(b, out);
        }
    }

    private void start(int b, StringBuilder out) {
        if (b < 0x80) {
            out.append((char) b);
        } else if (b >= 0xC2 && b <= 0xDF) {
            begin(1, b & 0x1F, 0x80, 0xBF);
        } else if (b >= 0xE0 && b <= 0xEF) {
            begin(2, b & 0x0F, b == 0xE0 ? 0xA0 : 0x80, b == 0xED ? 0x9F : 0xBF); // no overlongs, no surrogates
        } else if (b >= 0xF0 && b <= 0xF4) {
            begin(3, b & 0x07, b == 0xF0 ? 0x90 : 0x80, b == 0xF4 ? 0x8F : 0xBF); // no overlongs, nothing past U+10FFFF
        } else {
            out.append(REPLACEMENT); // 80..C1, F5..FF never start a character
        }
    }

    private void begin(int continuationBytes, int bits, int lo, int hi) {
        needed = continuationBytes;
        codePoint = bits;
        low = lo;
        high = hi;
    }

    /** Whether bytes of an unfinished character are being held. */
    boolean hasPending() {
        return needed > 0;
    }

    /** Ends the stream: an unfinished character becomes U+FFFD. */
    void finish(StringBuilder out) {
        if (needed > 0) {
            out.append(REPLACEMENT);
            needed = 0;
            low = 0x80;
            high = 0xBF;
        }
    }
}
