package io.qwen4j.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class Qwen2PreTokenizerTest {

    /** Unicode White_Space, spelled out: Java's regex \s (even with UNICODE_CHARACTER_CLASS) is not the reference. */
    private static final String WS = "\\t\\n\\x0B\\f\\r\\x20\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

    /** The Qwen2 regex for java.util.regex with the classes made explicit; slow, but an independent reference. */
    private static final Pattern REFERENCE = Pattern.compile(
            "(?iu:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^" + WS + "\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|[" + WS + "]*[\\r\\n]+|[" + WS + "]+(?![^" + WS + "])|[" + WS + "]+");

    static List<String> split(String s) {
        List<String> pieces = new ArrayList<>();
        for (int start = 0; start < s.length(); ) {
            int end = Qwen2PreTokenizer.pieceEnd(s, start, s.length());
            assertThat(end).isGreaterThan(start);
            pieces.add(s.substring(start, end));
            start = end;
        }
        return pieces;
    }

    static List<String> referenceSplit(String s) {
        List<String> pieces = new ArrayList<>();
        Matcher m = REFERENCE.matcher(s);
        int last = 0;
        while (m.find()) {
            assertThat(m.start()).as("reference regex leaves no gaps").isEqualTo(last);
            pieces.add(m.group());
            last = m.end();
        }
        assertThat(last).isEqualTo(s.length());
        return pieces;
    }

    @Test
    void splitsLikeTheQwen2Regex() {
        assertThat(split("Hello world")).containsExactly("Hello", " world");
        assertThat(split("I'M sure they've")).containsExactly("I", "'M", " sure", " they", "'ve");
        assertThat(split("abc123  def")).containsExactly("abc", "1", "2", "3", " ", " def");
        assertThat(split("x\t\ty")).containsExactly("x", "\t", "\ty");
        assertThat(split("a  \n\n  b")).containsExactly("a", "  \n\n", " ", " b");
        assertThat(split("end  ")).containsExactly("end", "  ");
        assertThat(split("foo(); // bar\r\n")).containsExactly("foo", "();", " //", " bar", "\r\n");
        assertThat(split("...\n\nx")).containsExactly("...\n\n", "x");
        assertThat(split("'hello")).containsExactly("'hello");
        assertThat(split("\u017Fs'\u017F")).containsExactly("\u017Fs", "'\u017F"); // long s folds to s (HF / Oniguruma)
    }

    @Test
    void whitespaceIsUnicodeWhiteSpaceNotJavaWhitespace() {
        // U+00A0, U+2007, U+202F are White_Space (Java's isWhitespace says no); U+0085 too.
        for (char ws : new char[] {'\u00A0', '\u2007', '\u202F', '\u0085', '\u3000'}) {
            assertThat(Character.getType(ws) == Character.CONTROL || !Character.isWhitespace(ws) || ws == '\u3000').isTrue();
            assertThat(split("a" + ws + ws + "b")).as("U+%04X", (int) ws).containsExactly("a", String.valueOf(ws), ws + "b");
        }
        // U+001C..U+001F are Java whitespace but not Unicode White_Space: punctuation-like "other" characters.
        assertThat(split("a\u001C\u001Db")).containsExactly("a", "\u001C\u001D", "b");
        assertThat(split("a \u001Fb")).containsExactly("a", " \u001F", "b");
        // U+FEFF (BOM) is not White_Space either.
        assertThat(split("\uFEFFBOM")).containsExactly("\uFEFFBOM");
    }

    @Test
    void lettersAndNumbersAreUnicodeCategories() {
        assertThat(split("Ⅻ roman")).containsExactly("Ⅻ", " roman"); // Nl
        assertThat(split("x²³")).containsExactly("x", "²", "³"); // No
        assertThat(split("e\u0301cole")).containsExactly("e", "\u0301cole"); // a combining mark is neither L nor N
        assertThat(split("e\u0301\u0301cole")).containsExactly("e", "\u0301\u0301", "cole");
        assertThat(split("𝐀𝐁 math")).containsExactly("𝐀𝐁", " math"); // supplementary letters
        assertThat(split("😀😀 x")).containsExactly("😀😀", " x");
    }

    @Test
    void loneSurrogatesAreOtherCharacters() {
        assertThat(split("a\uD800b")).containsExactly("a", "\uD800b");
        assertThat(split("\uDC00\uD800 x")).containsExactly("\uDC00\uD800", " x");
    }

    @Test
    void agreesWithTheReferenceRegexOnTheCorpus() {
        for (var e : TokenizerFixtures.corpus()) {
            assertThat(split(e.text())).as(e.id()).isEqualTo(referenceSplit(e.text()));
        }
    }

    @Test
    void agreesWithTheReferenceRegexOnRandomText() {
        Random random = new Random(7);
        for (int round = 0; round < 20_000; round++) {
            String s = RandomText.next(random, 1 + random.nextInt(24));
            assertThat(split(s)).as("seed 7 round %d: %s", round, RandomText.escape(s)).isEqualTo(referenceSplit(s));
        }
    }
}
