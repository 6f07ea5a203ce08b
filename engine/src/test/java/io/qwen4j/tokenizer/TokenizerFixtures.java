package io.qwen4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.testing.TestData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The test data shared by the tokenizer tests, loaded once per JVM. */
final class TokenizerFixtures {

    /** One line of testdata/tokenizer/corpus.jsonl. */
    record CorpusEntry(String id, String category, String text, int[] llamaIds, int[] llamaIdsNoParseSpecial, int[] jsIds) {
        @Override
        public String toString() {
            return id + " " + category;
        }
    }

    private static Qwen3Tokenizer qwen3;
    private static List<CorpusEntry> corpus;

    private TokenizerFixtures() {
    }

    static synchronized Qwen3Tokenizer qwen3() {
        if (qwen3 == null) qwen3 = load(TestData.path("tokenizer/qwen3-vocab.gguf"));
        return qwen3;
    }

    static Qwen3Tokenizer load(Path gguf) {
        try (GgufFile file = GgufFile.open(gguf)) {
            return Qwen3Tokenizer.fromGguf(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> mergeList() {
        try (GgufFile file = GgufFile.open(TestData.path("tokenizer/qwen3-vocab.gguf"))) {
            return List.copyOf(file.metadata().getStringList("tokenizer.ggml.merges"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static synchronized List<CorpusEntry> corpus() {
        if (corpus == null) {
            try {
                ObjectMapper json = new ObjectMapper();
                List<CorpusEntry> entries = new ArrayList<>();
                for (String line : Files.readAllLines(TestData.path("tokenizer/corpus.jsonl"))) {
                    if (line.isBlank()) continue;
                    JsonNode n = json.readTree(line);
                    entries.add(new CorpusEntry(n.get("id").asText(), n.get("category").asText(), n.get("text").asText(),
                            ints(n.get("llama_ids")), ints(n.get("llama_ids_no_parse_special")), ints(n.get("js_ids"))));
                }
                corpus = List.copyOf(entries);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return corpus;
    }

    static CorpusEntry entry(String id) {
        return corpus().stream().filter(e -> e.id().equals(id)).findFirst().orElseThrow();
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }
}
