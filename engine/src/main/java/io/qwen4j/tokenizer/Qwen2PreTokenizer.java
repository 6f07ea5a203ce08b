package io.qwen4j.tokenizer;

/**
 * Splits text into the pieces that BPE encodes separately, exactly as the Qwen2 pre-tokenizer regex
 * <pre>
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * </pre>
 * does under HF tokenizers (Oniguruma, Unicode semantics), written out by hand over code points: no
 * allocation, no backtracking engine. Character classes are Unicode's, not Java's: {@code \s} is the
 * White_Space property (which includes U+0085, U+00A0, U+2007, U+202F and excludes U+001C..U+001F, unlike
 * {@link Character#isWhitespace}), {@code \p{L}} the letter categories and {@code \p{N}} the number
 * categories. A lone surrogate counts as "other", like the U+FFFD it is encoded as.
 */
final class Qwen2PreTokenizer {

    static final int OTHER = 0;
    static final int LETTER = 1;
    static final int NUMBER = 2;
    static final int SPACE = 4;
    /** CR or LF: the only characters {@code [\r\n]} matches (they are also SPACE). */
    static final int LINE_BREAK = 8;

    private static final byte[] BMP_CLASSES = new byte[0x10000];

    static {
        for (int cp = 0; cp < 0x10000; cp++) BMP_CLASSES[cp] = (byte) computeClass(cp);
    }

    private Qwen2PreTokenizer() {
    }

    static int classOf(int codePoint) {
        return codePoint < 0x10000 ? BMP_CLASSES[codePoint] : computeClass(codePoint);
    }

    private static int computeClass(int cp) {
        if (cp == '\r' || cp == '\n') return SPACE | LINE_BREAK;
        if (isUnicodeWhiteSpace(cp)) return SPACE;
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    /** The Unicode White_Space property (PropList.txt), all of it in the BMP. */
    static boolean isUnicodeWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /**
     * The end (exclusive char index) of the piece that starts at {@code start}; {@code start < end}. Pieces
     * tile the text: the next one starts where this one ends.
     */
    static int pieceEnd(String s, int start, int end) {
        char c = s.charAt(start);
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (c == '\'' && start + 1 < end) {
            int n = contractionLength(s, start + 1, end);
            if (n > 0) return start + 1 + n;
        }
        int cp = codePointAt(s, start, end);
        int next = start + Character.charCount(cp);
        int cls = classOf(cp);
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (cls == LETTER) return skipLetters(s, next, end);
        if ((cls & (NUMBER | LINE_BREAK)) == 0 && next < end && classOf(codePointAt(s, next, end)) == LETTER) {
            return skipLetters(s, next, end);
        }
        // \p{N}
        if (cls == NUMBER) return next;
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        if (cls == OTHER) return skipLineBreaks(s, skipOthers(s, next, end), end);
        if (c == ' ' && next < end && classOf(codePointAt(s, next, end)) == OTHER) {
            return skipLineBreaks(s, skipOthers(s, next, end), end);
        }
        // Whitespace run (every White_Space character is a single char).
        int runEnd = start;
        int lastBreak = -1;
        while (runEnd < end) {
            int k = classOf(s.charAt(runEnd));
            if ((k & SPACE) == 0) break;
            if ((k & LINE_BREAK) != 0) lastBreak = runEnd;
            runEnd++;
        }
        // \s*[\r\n]+ : the run up to and including its last line break.
        if (lastBreak >= 0) return lastBreak + 1;
        // \s+(?!\S) : all of a run that ends the text, else all but its last character...
        if (runEnd == end) return end;
        if (runEnd - start >= 2) return runEnd - 1;
        // \s+ : ...which then stands alone (or goes with the word after it, via the letter rule).
        return runEnd;
    }

    /** Length of the contraction suffix after an apostrophe at {@code i - 1}, 0 if none. */
    private static int contractionLength(String s, int i, int end) {
        int a = foldCase(s.charAt(i));
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return 1;
        if (i + 1 < end) {
            int b = foldCase(s.charAt(i + 1));
            if ((a == 'r' || a == 'v') && b == 'e') return 2;
            if (a == 'l' && b == 'l') return 2;
        }
        return 0;
    }

    /** Simple case folding, restricted to what the contraction letters can fold from. */
    private static int foldCase(char c) {
        if (c >= 'A' && c <= 'Z') return c + ('a' - 'A');
        if (c == '\u017F') return 's'; // LATIN SMALL LETTER LONG S folds to 's' (Oniguruma and JS /iu agree)
        return c;
    }

    private static int skipLetters(String s, int i, int end) {
        while (i < end) {
            char c = s.charAt(i);
            if (c < 0xD800 || c > 0xDFFF) {
                if (BMP_CLASSES[c] != LETTER) return i;
                i++;
            } else {
                int cp = codePointAt(s, i, end);
                if (classOf(cp) != LETTER) return i;
                i += Character.charCount(cp);
            }
        }
        return i;
    }

    private static int skipOthers(String s, int i, int end) {
        while (i < end) {
            int cp = codePointAt(s, i, end);
            if (classOf(cp) != OTHER) return i;
            i += Character.charCount(cp);
        }
        return i;
    }

    private static int skipLineBreaks(String s, int i, int end) {
        while (i < end && (s.charAt(i) == '\r' || s.charAt(i) == '\n')) i++;
        return i;
    }

    /** The code point at {@code i}; a lone surrogate is returned as itself (one char long, class OTHER). */
    static int codePointAt(String s, int i, int end) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < end) {
            char d = s.charAt(i + 1);
            if (Character.isLowSurrogate(d)) return Character.toCodePoint(c, d);
        }
        return c;
    }
}
