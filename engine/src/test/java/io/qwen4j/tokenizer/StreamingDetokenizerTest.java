package io.qwen4j.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class StreamingDetokenizerTest {

    private final Qwen3Tokenizer tokenizer = TokenizerFixtures.qwen3();

    /** The single-byte token for each byte: forces every multi-byte character to be split. */
    private int[] byteTokens(int... bytes) {
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) ids[i] = tokenizer.vocabulary().byteTokenId(bytes[i]);
        return ids;
    }

    private List<String> pushAll(StreamingDetokenizer d, int[] ids) {
        List<String> out = new ArrayList<>();
        for (int id : ids) out.add(d.push(id));
        return out;
    }

    @Test
    void emojiSplitAcrossByteTokensIsHeldUntilComplete() {
        StreamingDetokenizer d = tokenizer.newStreamingDetokenizer();
        assertThat(pushAll(d, byteTokens(0xF0, 0x9F, 0x98, 0x80))).containsExactly("", "", "", "😀");
        assertThat(d.hasPendingBytes()).isFalse();
        assertThat(d.flush()).isEmpty();
    }

    @Test
    void cjkAndEmojiFromRealEncodingsStreamCleanly() {
        String text = "中文测试 👨‍👩‍👧‍👦 🇯🇵 日本語のテキスト 🎉 Привет";
        int[] ids = tokenizer.encode(text, true);
        StreamingDetokenizer d = tokenizer.newStreamingDetokenizer();
        StringBuilder all = new StringBuilder();
        boolean sawHeldBytes = false;
        for (int id : ids) {
            String piece = d.push(id);
            sawHeldBytes |= d.hasPendingBytes();
            assertThat(piece).doesNotContain("\uFFFD");
            assertThat(isWellFormedUtf16(piece)).as("piece %s", piece).isTrue();
            all.append(piece);
        }
        all.append(d.flush());
        assertThat(all.toString()).isEqualTo(text);
        assertThat(sawHeldBytes).as("some character of this text spans tokens").isTrue();
    }

    @Test
    void cjkCharacterSplitAcrossTwoTokens() {
        // 中 = E4 B8 AD: first byte alone, then the byte-level token for the two continuation bytes if present,
        // else single bytes.
        StreamingDetokenizer d = tokenizer.newStreamingDetokenizer();
        assertThat(d.push(tokenizer.vocabulary().byteTokenId(0xE4))).isEmpty();
        assertThat(d.push(tokenizer.vocabulary().byteTokenId(0xB8))).isEmpty();
        assertThat(d.push(tokenizer.vocabulary().byteTokenId(0xAD))).isEqualTo("中");
    }

    @Test
    void truncatedSequenceBecomesReplacementWhenTheNextByteArrives() {
        StreamingDetokenizer d = tokenizer.newStreamingDetokenizer();
        assertThat(pushAll(d, byteTokens(0xF0, 0x9F, 0x98))).containsExactly("", "", "");
        assertThat(d.push(tokenizer.encode(" cut", false)[0])).isEqualTo("\uFFFD cut");
    }

    @Test
    void bytesThatNeverStartACharacterAreReplacedImmediately() {
        StreamingDetokenizer d = tokenizer.newStreamingDetokenizer();
        assertThat(pushAll(d, byteTokens(0xFF, 0x80, 0xC0, 0xF5))).containsExactly("\uFFFD", "\uFFFD", "\uFFFD", "\uFFFD");
    }

    @Test
    void surrogatesAndOverlongFormsAreRejected() {
        StreamingDetokenizer d = tokenizer.newStreamingDetokenizer();
        // ED A0 80 would be U+D800: ED is kept (it could start U+D000..U+D7FF) until A0 shows otherwise.
        assertThat(pushAll(d, byteTokens(0xED, 0xA0, 0x80))).containsExactly("", "\uFFFD\uFFFD", "\uFFFD");
        // E0 80 80 is an overlong NUL; F4 90 80 80 is past U+10FFFF.
        assertThat(String.join("", pushAll(d, byteTokens(0xE0, 0x80, 0x80)))).isEqualTo("\uFFFD\uFFFD\uFFFD");
        assertThat(String.join("", pushAll(d, byteTokens(0xF4, 0x90, 0x80, 0x80)))).isEqualTo("\uFFFD\uFFFD\uFFFD\uFFFD");
    }

    @Test
    void wellFormedTextDecodesAsJavaDoes() {
        String text = "Grüße, 世界! 😀 \u0000 \uFFFF end";
        int[] ids = tokenizer.encode(text, false);
        assertThat(tokenizer.decode(ids)).isEqualTo(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    }

    @Test
    void maximalSubpartsAtTheEndOfInput() {
        assertThat(tokenizer.decode(byteTokens(0xED, 0xA0))).isEqualTo("\uFFFD\uFFFD");
        assertThat(tokenizer.decode(byteTokens(0xF0, 0x9F, 0x98))).isEqualTo("\uFFFD");
        assertThat(tokenizer.decode(byteTokens(0xF0, 0x80))).isEqualTo("\uFFFD\uFFFD");
        assertThat(tokenizer.decode(byteTokens('a', 0xC3, 'b'))).isEqualTo("a\uFFFDb");
    }

    @Test
    void flushReplacesAnUnfinishedCharacterOnce() {
        StreamingDetokenizer d = tokenizer.newStreamingDetokenizer();
        assertThat(pushAll(d, byteTokens(0xE2, 0x82))).containsExactly("", "");
        assertThat(d.hasPendingBytes()).isTrue();
        assertThat(d.flush()).isEqualTo("\uFFFD");
        assertThat(d.flush()).isEmpty();
        assertThat(d.push(tokenizer.vocabulary().byteTokenId('a'))).isEqualTo("a");
    }

    @Test
    void controlTokensStreamAsTheirText() {
        StreamingDetokenizer d = tokenizer.newStreamingDetokenizer();
        assertThat(d.push(151645)).isEqualTo("<|im_end|>");
    }

    /**
     * Streaming output concatenated equals decode(). (Not compared with {@code new String(bytes, UTF_8)}: at
     * the end of input Java counts "ED A0" as one truncated character, while Unicode's maximal-subpart rule,
     * Rust's from_utf8_lossy and WHATWG see two ill-formed bytes.)
     */
    @Test
    void streamingAgreesWithDecodeOnRandomTokenSequences() {
        Random random = new Random(42);
        int vocab = tokenizer.vocabulary().size();
        for (int round = 0; round < 2000; round++) {
            int[] ids = new int[1 + random.nextInt(12)];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = random.nextInt(4) == 0 ? tokenizer.vocabulary().byteTokenId(0x80 + random.nextInt(128)) : random.nextInt(vocab);
            }
            StreamingDetokenizer d = tokenizer.newStreamingDetokenizer();
            StringBuilder streamed = new StringBuilder();
            for (int id : ids) {
                String piece = d.push(id);
                assertThat(isWellFormedUtf16(piece)).as("seed 42 round %d ids %s: piece well-formed", round, Arrays.toString(ids)).isTrue();
                streamed.append(piece);
            }
            streamed.append(d.flush());
            assertThat(streamed.toString()).as("seed 42 round %d ids %s", round, Arrays.toString(ids)).isEqualTo(tokenizer.decode(ids));
        }
    }

    static boolean isWellFormedUtf16(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) return false;
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
