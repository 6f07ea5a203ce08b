package io.qwen4j.tokenizer;

import io.qwen4j.testing.TestData;
import io.qwen4j.tokenizer.TokenizerFixtures.CorpusEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.text.Normalizer;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tiny test models carry a truncated vocabulary: ids 0..4095 of Qwen3, then the 26 added tokens at
 * 4096..4121, and only the 3840 merges among kept tokens. Every byte still has a token, so every input
 * encodes.
 */
class TinyVocabularyTest {

    private static Qwen3Tokenizer tiny;

    @BeforeAll
    static void load() {
        tiny = TokenizerFixtures.load(TestData.path("models/qwen3vl-tiny-Q8_0.gguf"));
    }

    @Test
    void vocabularyShapeAndSpecialIds() {
        assertThat(tiny.vocabulary().size()).isEqualTo(4122);
        assertThat(tiny.bosId()).isEqualTo(4096);
        assertThat(tiny.paddingId()).isEqualTo(4096);
        assertThat(tiny.eosId()).isEqualTo(4098);
        assertThat(tiny.isEndOfGeneration(4096)).isTrue();
        assertThat(tiny.isEndOfGeneration(4098)).isTrue();
        assertThat(tiny.isEndOfGeneration(4097)).isFalse();
        assertThat(tiny.bytePairEncoder().merges().size()).isEqualTo(3840);
        assertThat(tiny.encode("<|im_start|>user\nHi<|im_end|>\n", true)).startsWith(4097).contains(4098);
        assertThat(tiny.encode("<think>x</think>", false)).startsWith(4120).endsWith(4121);
    }

    /**
     * Where the full vocabulary's ids are all kept in the truncated one, BPE must take the same path (every
     * merge it applied is among the kept ones, and kept merges are a subset), so the ids must be identical.
     * Everywhere else the ids must be valid and decode back to the text.
     */
    @Test
    void agreesWithTheFullVocabularyWhereItCanAndRoundTripsEverywhere() {
        int compared = 0;
        for (CorpusEntry e : TokenizerFixtures.corpus()) {
            int[] expected = Arrays.stream(e.jsIds()).map(id -> id >= 151643 ? id - 151643 + 4096 : id).toArray();
            int[] ids = tiny.encode(e.text(), true);
            assertThat(Arrays.stream(ids).allMatch(id -> id >= 0 && id < 4122)).as(e.id()).isTrue();
            assertThat(tiny.decode(ids)).as(e.id()).isEqualTo(Normalizer.normalize(e.text(), Normalizer.Form.NFC));
            boolean allKept = Arrays.stream(e.jsIds()).allMatch(id -> id < 4096 || (id >= 151643 && id < 151669));
            if (allKept) {
                assertThat(ids).as(e.id() + " " + e.text()).containsExactly(expected);
                compared++;
            }
        }
        System.out.println("tiny vocabulary: identical to the full vocabulary on " + compared + " corpus entries");
        assertThat(compared).isGreaterThan(30);
    }

    @Test
    void textOutsideTheTruncatedVocabularyFallsBackToSmallerTokens() {
        String text = "Привет, 世界! 🎉";
        int[] ids = tiny.encode(text, false);
        assertThat(ids.length).isGreaterThan(TokenizerFixtures.qwen3().encode(text, false).length);
        assertThat(tiny.decode(ids)).isEqualTo(text);
    }
}
