package io.qwen4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code text} of each line of testdata/tokenizer/corpus.jsonl, grouped by {@code category}. The bench
 * module has no JSON library, and these two string fields are all it needs.
 */
final class CorpusTexts {

    private CorpusTexts() {
    }

    static Map<String, List<String>> byCategory(Path corpusJsonl) throws IOException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(corpusJsonl)) {
            if (line.isBlank()) continue;
            String category = stringField(line, "category");
            String text = stringField(line, "text");
            out.computeIfAbsent(category, k -> new ArrayList<>()).add(text);
        }
        return out;
    }

    /** The value of {@code "name":"..."} in one JSON object line, unescaped. */
    static String stringField(String json, String name) {
        String key = "\"" + name + "\":\"";
        int i = json.indexOf(key);
        if (i < 0) throw new IllegalArgumentException("no string field " + name + " in " + json);
        StringBuilder sb = new StringBuilder();
        for (i += key.length(); ; i++) {
            char c = json.charAt(i);
            if (c == '"') return sb.toString();
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = json.charAt(++i);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(json, i + 1, i + 5, 16));
                    i += 4;
                }
                default -> sb.append(e); // \" \\ \/
            }
        }
    }
}
