package io.qwen4j.tokenizer;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class BytePairEncoderTest {

    private final Qwen3Tokenizer tokenizer = TokenizerFixtures.qwen3();
    private final BytePairEncoder bpe = tokenizer.bytePairEncoder();

    /** Textbook BPE on a list: find the lowest-ranked adjacent pair (leftmost on ties), merge, repeat. */
    private int[] naive(byte[] bytes) {
        List<Integer> symbols = new ArrayList<>();
        for (byte b : bytes) symbols.add(bpe.vocabulary().byteTokenId(b & 0xFF));
        while (true) {
            int bestRank = Integer.MAX_VALUE;
            int at = -1;
            int merged = -1;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                int rank = bpe.merges().rank(symbols.get(i), symbols.get(i + 1));
                if (rank < bestRank) {
                    bestRank = rank;
                    at = i;
                    merged = bpe.merges().mergedId(rank);
                }
            }
            if (at < 0) break;
            symbols.set(at, merged);
            symbols.remove(at + 1);
        }
        return symbols.stream().mapToInt(Integer::intValue).toArray();
    }

    private int[] run(byte[] bytes, boolean heap) {
        BytePairEncoder.Scratch scratch = new BytePairEncoder.Scratch();
        int n = heap ? bpe.encodeByHeap(bytes, bytes.length, scratch) : bpe.encodeByArrayScan(bytes, bytes.length, scratch);
        return Arrays.copyOf(scratch.symbols, n);
    }

    @Test
    void arrayScanAndHeapAgreeWithTextbookBpe() {
        Random random = new Random(11);
        List<byte[]> inputs = new ArrayList<>();
        for (var e : TokenizerFixtures.corpus()) inputs.add(e.text().getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 300; i++) {
            inputs.add(RandomText.next(random, 1 + random.nextInt(40)).getBytes(StandardCharsets.UTF_8));
            byte[] repetitive = new byte[1 + random.nextInt(150)];
            for (int k = 0; k < repetitive.length; k++) repetitive[k] = (byte) "aab =-\n".charAt(random.nextInt(7));
            inputs.add(repetitive);
        }
        for (byte[] bytes : inputs) {
            int[] expected = naive(bytes);
            assertThat(run(bytes, false)).as(new String(bytes, StandardCharsets.UTF_8)).containsExactly(expected);
            assertThat(run(bytes, true)).as(new String(bytes, StandardCharsets.UTF_8)).containsExactly(expected);
        }
    }

    /**
     * The whole pipeline (word cache, array scan or heap) equals pre-tokenizing and
     * running textbook BPE on every piece.
     */
    @Test
    void encodeEqualsTextbookBpeOfEachPiece() {
        Random random = new Random(5);
        List<String> texts = new ArrayList<>();
        for (var e : TokenizerFixtures.corpus()) texts.add(e.text());
        for (int i = 0; i < 2000; i++) texts.add(RandomText.next(random, 1 + random.nextInt(30)));
        for (String raw : texts) {
            String text = java.text.Normalizer.normalize(raw.replace("<", "("), java.text.Normalizer.Form.NFC);
            List<Integer> expected = new ArrayList<>();
            for (String piece : Qwen2PreTokenizerTest.split(text)) {
                for (int id : naive(piece.getBytes(StandardCharsets.UTF_8))) expected.add(id); // lone surrogates: '?'
            }
            int[] actual = tokenizer.encode(text, false);
            if (text.chars().noneMatch(c -> Character.isSurrogate((char) c))) {
                assertThat(actual).as(RandomText.escape(text)).containsExactly(expected.stream().mapToInt(Integer::intValue).toArray());
            }
        }
    }

    @Test
    void equalRanksMergeLeftmostFirst() {
        byte[] a5 = "aaaaa".getBytes(StandardCharsets.US_ASCII);
        assertThat(run(a5, false)).containsExactly(naive(a5));
        assertThat(run(a5, true)).containsExactly(naive(a5));
    }

    /** A megabyte of one character is a single pre-token; it must not take quadratic time. */
    @Tag("slow")
    @Test
    void hugePiecesStayFast() {
        for (String unit : List.of("=", " ", "a", "\n", "中")) {
            String text = unit.repeat(1 << 20 / unit.getBytes(StandardCharsets.UTF_8).length);
            long start = System.nanoTime();
            int[] ids = tokenizer.encode(text, false);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(tokenizer.decode(ids)).isEqualTo(text);
            assertThat(ms).as("encoding 1 MB of %s", unit.trim().isEmpty() ? "whitespace" : unit).isLessThan(5_000);
        }
    }

    @Test
    void mergeTableMatchesTheMergeList() {
        MergeTable merges = bpe.merges();
        assertThat(merges.size()).isEqualTo(151387);
        Vocabulary v = bpe.vocabulary();
        // rank 0 of Qwen2's merges is "Ġ Ġ" -> "ĠĠ"
        assertThat(merges.rank(v.idOf("\u0120").getAsInt(), v.idOf("\u0120").getAsInt())).isZero();
        assertThat(merges.mergedId(0)).isEqualTo(v.idOf("\u0120\u0120").getAsInt());
        assertThat(merges.rank(151644, 151645)).isEqualTo(MergeTable.NO_MERGE);
        // every rule of the list is found again with its rank (none is shadowed: no pair repeats in Qwen's list)
        var list = TokenizerFixtures.mergeList();
        for (int rank = 0; rank < list.size(); rank += 97) {
            String[] parts = list.get(rank).split(" ");
            assertThat(merges.rank(v.idOf(parts[0]).getAsInt(), v.idOf(parts[1]).getAsInt())).isEqualTo(rank);
            assertThat(merges.mergedId(rank)).isEqualTo(v.idOf(parts[0] + parts[1]).getAsInt());
        }
    }
}
