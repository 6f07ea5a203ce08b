package io.qwen4j.tokenizer;

import org.junit.jupiter.api.Test;

import java.text.Normalizer;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Seeded random Unicode text: encoding never throws, ids are valid, and decoding gives the text back. */
class RandomTextPropertyTest {

    private final Qwen3Tokenizer tokenizer = TokenizerFixtures.qwen3();

    /** What the text means to the tokenizer: lone surrogates are U+FFFD (as HF and JS TextEncoder read them). */
    private static String withLoneSurrogatesReplaced(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else {
                sb.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return sb.toString();
    }

    @Test
    void encodeNeverThrowsAndDecodeRoundTrips() {
        Random random = new Random(20260818);
        int size = tokenizer.vocabulary().size();
        for (int round = 0; round < 5000; round++) {
            String text = RandomText.next(random, 1 + random.nextInt(30));
            String expected = withLoneSurrogatesReplaced(text);
            for (boolean parseSpecial : new boolean[] {true, false}) {
                int[] ids = tokenizer.encode(text, parseSpecial);
                assertThat(Arrays.stream(ids).allMatch(id -> id >= 0 && id < size))
                        .as("seed 20260818 round %d: ids of %s parseSpecial=%s inside the vocabulary", round, RandomText.escape(text), parseSpecial).isTrue();
                String decoded = tokenizer.decode(ids);
                // NFC is applied between added tokens only, so compare canonical forms.
                assertThat(Normalizer.normalize(decoded, Normalizer.Form.NFD))
                        .as("seed 20260818 round %d: %s parseSpecial=%s", round, RandomText.escape(text), parseSpecial)
                        .isEqualTo(Normalizer.normalize(expected, Normalizer.Form.NFD));
            }
        }
    }

    /** Same text, same ids, whether the word cache is cold or warm. */
    @Test
    void cacheDoesNotChangeResults() {
        Random random = new Random(3);
        String[] texts = new String[500];
        int[][] cold = new int[texts.length][];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = RandomText.next(random, 1 + random.nextInt(30));
            tokenizer.clearWordCache();
            cold[i] = tokenizer.encode(texts[i], true);
        }
        for (int i = 0; i < texts.length; i++) {
            tokenizer.encode(texts[i], true);
            assertThat(tokenizer.encode(texts[i], true)).as("seed 3 text %d: %s", i, RandomText.escape(texts[i])).containsExactly(cold[i]);
        }
    }
}
