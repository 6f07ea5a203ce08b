package io.qwen4j.tokenizer;

import io.qwen4j.tokenizer.TokenizerFixtures.CorpusEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The 154 reference strings of testdata/tokenizer/corpus.jsonl. With special parsing the reference is HF
 * (js_ids); without it llama.cpp's --no-parse-special ids, except where HF and llama.cpp disagree.
 */
class CorpusTest {

    /** Entries where llama.cpp does not normalise and HF (whom we follow) applies NFC. */
    private static final Set<String> NFC_DISAGREEMENTS = Set.of("f106");

    static List<CorpusEntry> corpus() {
        return TokenizerFixtures.corpus();
    }

    private static int[] expectedWithoutSpecialParsing(CorpusEntry e) {
        return NFC_DISAGREEMENTS.contains(e.id()) ? e.jsIds() : e.llamaIdsNoParseSpecial();
    }

    @Test
    void corpusHas154Entries() {
        assertThat(corpus()).hasSize(154);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void withSpecialParsingMatchesHf(CorpusEntry e) {
        assertThat(TokenizerFixtures.qwen3().encode(e.text(), true)).as(e.text()).containsExactly(e.jsIds());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void withoutSpecialParsingMatchesLlamaCpp(CorpusEntry e) {
        assertThat(TokenizerFixtures.qwen3().encode(e.text(), false)).as(e.text()).containsExactly(expectedWithoutSpecialParsing(e));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void decodeRoundTripsToNfcText(CorpusEntry e) {
        Qwen3Tokenizer t = TokenizerFixtures.qwen3();
        String nfc = Normalizer.normalize(e.text(), Normalizer.Form.NFC);
        assertThat(t.decode(t.encode(e.text(), true))).isEqualTo(nfc);
        assertThat(t.decode(t.encode(e.text(), false))).isEqualTo(nfc);
        assertThat(t.decode(e.jsIds())).isEqualTo(nfc);
    }

    /** Pass counts for both modes, printed so the run reports them; must be 154/154 each. */
    @Test
    void passCounts() {
        Qwen3Tokenizer t = TokenizerFixtures.qwen3();
        List<String> failedParse = new ArrayList<>();
        List<String> failedNoParse = new ArrayList<>();
        for (CorpusEntry e : corpus()) {
            if (!Arrays.equals(t.encode(e.text(), true), e.jsIds())) failedParse.add(e.id());
            if (!Arrays.equals(t.encode(e.text(), false), expectedWithoutSpecialParsing(e))) failedNoParse.add(e.id());
        }
        int n = corpus().size();
        System.out.printf("tokenizer corpus: parseSpecial=true %d/%d, parseSpecial=false %d/%d%n",
                n - failedParse.size(), n, n - failedNoParse.size(), n);
        assertThat(failedParse).as("parseSpecial=true failures").isEmpty();
        assertThat(failedNoParse).as("parseSpecial=false failures").isEmpty();
    }

    // The disagreements between llama.cpp and HF, each decided explicitly.

    /** llama.cpp forces the regular token {@code </s>} to CONTROL and matches it; HF (and we) split it. */
    @Test
    void endOfSentenceTagIsPlainTextAsInHf() {
        Qwen3Tokenizer t = TokenizerFixtures.qwen3();
        for (String id : List.of("f095", "f096")) {
            CorpusEntry e = TokenizerFixtures.entry(id);
            assertThat(e.llamaIds()).as(id).contains(128247);
            assertThat(t.encode(e.text(), true)).as(id).containsExactly(e.jsIds()).doesNotContain(128247);
            assertThat(t.encode(e.text(), false)).as(id).containsExactly(e.llamaIdsNoParseSpecial());
        }
        assertThat(t.encode("</s>", true)).containsExactly(522, 82, 29);
    }

    /** NFD input: HF normalises to NFC first (one token for "école"), llama.cpp does not; we follow HF in both modes. */
    @Test
    void decomposedTextIsNormalisedAsInHf() {
        Qwen3Tokenizer t = TokenizerFixtures.qwen3();
        CorpusEntry e = TokenizerFixtures.entry("f106");
        assertThat(e.text()).startsWith("e\u0301cole");
        assertThat(e.jsIds()).isNotEqualTo(e.llamaIdsNoParseSpecial());
        assertThat(t.encode(e.text(), true)).containsExactly(e.jsIds()).startsWith(134670);
        assertThat(t.encode(e.text(), false)).containsExactly(e.jsIds());
    }
}
