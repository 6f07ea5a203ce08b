package io.qwen4j.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Deterministic mixed-language text for tokenizer benchmarks: English prose, code, Chinese, Japanese,
 * Russian, Arabic, Korean, Hindi, emoji and numbers. Half of it is the corpus strings themselves, half is
 * synthetic words drawn from each script's characters, so the text holds tens of thousands of distinct
 * words and a word cache cannot turn the benchmark into table lookups.
 */
final class MixedLanguageText {

    private record Source(String category, int weight) {
    }

    private static final List<Source> MIX = List.of(
            new Source("english", 22), new Source("code", 18), new Source("chinese", 12), new Source("japanese", 8),
            new Source("russian", 8), new Source("arabic", 5), new Source("korean", 4), new Source("hindi", 3),
            new Source("emoji", 4), new Source("numbers", 8), new Source("contractions", 3),
            new Source("whitespace", 2), new Source("other_scripts", 3));

    private MixedLanguageText() {
    }

    static String generate(Map<String, List<String>> corpus, int minUtf8Bytes, long seed) {
        Random random = new Random(seed);
        int totalWeight = MIX.stream().mapToInt(Source::weight).sum();
        StringBuilder sb = new StringBuilder();
        int bytes = 0;
        while (bytes < minUtf8Bytes) {
            int pick = random.nextInt(totalWeight);
            Source source = MIX.getFirst();
            for (Source s : MIX) {
                if ((pick -= s.weight) < 0) {
                    source = s;
                    break;
                }
            }
            List<String> texts = corpus.get(source.category);
            String chunk = switch (random.nextInt(2)) {
                case 0 -> texts.get(random.nextInt(texts.size()));
                default -> source.category.equals("numbers") ? numbers(random) : syntheticSentence(texts, random);
            };
            sb.append(chunk).append(random.nextInt(4) == 0 ? "\n" : " ");
            bytes += chunk.getBytes(StandardCharsets.UTF_8).length + 1;
        }
        return sb.toString();
    }

    /** Words made of characters seen in this category's texts, so each script keeps its own character mix. */
    private static String syntheticSentence(List<String> texts, Random random) {
        String alphabet = texts.get(random.nextInt(texts.size()));
        int[] cps = alphabet.codePoints().filter(cp -> !Character.isWhitespace(cp)).toArray();
        if (cps.length == 0) return alphabet;
        boolean spaced = alphabet.indexOf(' ') >= 0;
        StringBuilder sb = new StringBuilder();
        int words = 4 + random.nextInt(10);
        for (int w = 0; w < words; w++) {
            if (w > 0 && spaced) sb.append(' ');
            int len = 2 + random.nextInt(7);
            for (int k = 0; k < len; k++) sb.appendCodePoint(cps[random.nextInt(cps.length)]);
        }
        return sb.toString();
    }

    private static String numbers(Random random) {
        List<String> parts = new ArrayList<>();
        for (int i = 0, n = 3 + random.nextInt(6); i < n; i++) {
            parts.add(switch (random.nextInt(3)) {
                case 0 -> Integer.toString(random.nextInt(100_000_000));
                case 1 -> String.format("%.3f", random.nextDouble() * 1000);
                default -> "$" + random.nextInt(10_000) + "," + String.format("%03d", random.nextInt(1000));
            });
        }
        return String.join(" ", parts);
    }
}
