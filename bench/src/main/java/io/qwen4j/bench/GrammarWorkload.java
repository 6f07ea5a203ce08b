package io.qwen4j.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.grammar.CompiledGrammar;
import io.qwen4j.grammar.JsonSchemaGrammar;
import io.qwen4j.grammar.JsonSchemaOptions;
import io.qwen4j.grammar.TokenConstraint;
import io.qwen4j.grammar.UnsupportedSchemaException;
import io.qwen4j.tokenizer.Qwen3Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The workload of the grammar benchmarks: the real Qwen3 vocabulary, the fixture schemas that compile
 * (testdata/schemas/openai and bench), and realistic generations — each schema's valid instances written
 * the way Qwen writes JSON (Python separators ", " and ": "), tokenised by the real tokenizer.
 */
final class GrammarWorkload {
    record Schema(String name, String text) {
    }

    record Trace(Schema schema, int[] tokens) {
    }

    final Qwen3Tokenizer tokenizer;
    final List<Schema> schemas = new ArrayList<>();
    final List<Trace> traces = new ArrayList<>();

    GrammarWorkload(Path testdata) {
        try (GgufFile gguf = GgufFile.open(testdata.resolve("tokenizer/qwen3-vocab.gguf"))) {
            tokenizer = Qwen3Tokenizer.fromGguf(gguf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        for (String dir : List.of("schemas/openai", "schemas/bench")) {
            List<Path> files;
            try (Stream<Path> s = Files.list(testdata.resolve(dir))) {
                files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (Path p : files) {
                try {
                    Schema schema = new Schema(p.getFileName().toString(), Files.readString(p));
                    CompiledGrammar g;
                    try {
                        g = JsonSchemaGrammar.compile(schema.text(), JsonSchemaOptions.DEFAULT, tokenizer.vocabulary());
                    } catch (UnsupportedSchemaException e) {
                        continue;
                    }
                    schemas.add(schema);
                    Path valid = Path.of(p.toString().replace(".json", ".valid.jsonl"));
                    if (!Files.exists(valid)) continue;
                    for (String line : Files.readAllLines(valid)) {
                        if (line.isBlank()) continue;
                        int[] ids = tokenizer.encode(python(json.readTree(line).get("instance"), json), false);
                        if (accepts(g.newConstraint(), ids)) traces.add(new Trace(schema, ids));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private static boolean accepts(TokenConstraint c, int[] ids) {
        for (int id : ids) if (!c.accept(id)) return false;
        return c.canEnd();
    }

    static String python(JsonNode n, ObjectMapper json) throws IOException {
        if (n.isObject()) {
            StringBuilder sb = new StringBuilder("{");
            boolean first = true;
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!first) sb.append(", ");
                first = false;
                sb.append(json.writeValueAsString(e.getKey())).append(": ").append(python(e.getValue(), json));
            }
            return sb.append('}').toString();
        }
        if (n.isArray()) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < n.size(); i++) {
                if (i > 0) sb.append(", ");
                sb.append(python(n.get(i), json));
            }
            return sb.append(']').toString();
        }
        return n.isBigDecimal() ? n.decimalValue().toPlainString() : json.writeValueAsString(n);
    }
}
