package io.qwen4j.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.testing.TestData;
import io.qwen4j.tokenizer.Qwen3Tokenizer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The correctness proof over the real-world (JSONSchemaBench) and OpenAI-style fixture schemas:
 * (a) random walks over the masks (several seeds, biased toward ending) always produce documents the
 * independent validator accepts; (b) every valid instance, fed token by token in compact, Python-style and
 * pretty-printed form, is allowed at every step and ends in an accepting state; every invalid instance is
 * rejected somewhere. Unsupported schemas must be refused with a keyword.
 */
@Tag("slow")
class StructuredOutputFixturesTest {
    private static final long[] SEEDS = {1, 2, 3};
    /** Schemas networknt cannot load (draft-4 style ids; see testdata/schemas/README.md). */
    private static final Set<String> VALIDATOR_CANNOT_LOAD = Set.of("Github_easy__o66157", "Github_hard__o14404", "Github_hard__o84331",
            "Github_medium__o60375", "Github_medium__o66137", "Github_ultra__o41389");
    /** Tags of valid instances outside the output policy (schema property order). */
    private static final Set<String> POLICY_TAGS = Set.of("properties_not_in_schema_order", "extra_properties");

    /** Counts over all fixture schemas, checked and printed by the last case. */
    private final Map<String, Integer> refusals = new TreeMap<>();
    private int schemaCount, compiled, walks, ended, cut, validFed, validAccepted, validPolicy, invalidFed, invalidRejected;

    /** One named case per fixture schema, so a failure names the schema (and the walk its seed); the totals check last. */
    @TestFactory
    Stream<DynamicTest> fixtureSchemasGenerateOnlyValidDocumentsAndAcceptTheirInstances() throws IOException {
        List<Path> schemas = new ArrayList<>();
        for (String dir : List.of("schemas/openai", "schemas/bench")) {
            try (Stream<Path> s = Files.list(TestData.path(dir))) {
                s.filter(p -> p.toString().endsWith(".json") && !p.toString().endsWith(".jsonl")).sorted().forEach(schemas::add);
            }
        }
        schemaCount = schemas.size();
        List<DynamicTest> tests = new ArrayList<>();
        for (Path p : schemas) {
            String name = p.getFileName().toString().replace(".json", "");
            tests.add(DynamicTest.dynamicTest(name, () -> checkSchema(name, p)));
        }
        tests.add(DynamicTest.dynamicTest("at least 60 fixture schemas compile", this::summary));
        return tests.stream();
    }

    private void checkSchema(String name, Path p) throws IOException {
        Qwen3Tokenizer tok = GrammarFixtures.qwen3();
        List<String> invalidOutputs = new ArrayList<>();
        List<String> validRejected = new ArrayList<>();
        List<String> invalidAccepted = new ArrayList<>();
        String schemaText = Files.readString(p);
        CompiledGrammar g;
        try {
            g = GrammarFixtures.compiler().jsonSchema(schemaText);
        } catch (UnsupportedSchemaException e) {
            assertThat(e.keyword()).as(name).isNotBlank();
            refusals.merge(e.keyword(), 1, Integer::sum);
            return;
        }
        compiled++;
        SchemaValidator validator = VALIDATOR_CANNOT_LOAD.contains(name) ? null : new SchemaValidator(schemaText);
        for (long seed : SEEDS) {
            GrammarFixtures.Walk w = GrammarFixtures.randomWalk(g.newConstraint(), tok, seed * 7919 + name.hashCode(), 1500, 0.6);
            walks++;
            if (!w.ended()) {
                cut++;
                continue;
            }
            ended++;
            String err = validator == null ? parseError(w.text()) : validator.errors(w.text());
            if (err != null) invalidOutputs.add(name + " seed " + seed + ": " + err + "\n" + w.text());
        }
        for (JsonNode line : lines(p, ".valid.jsonl")) {
            JsonNode inst = line.get("instance");
            boolean policy = false;
            for (JsonNode t : line.path("tags")) policy |= POLICY_TAGS.contains(t.asText());
            for (String text : List.of(JsonTexts.compact(inst), JsonTexts.python(inst), JsonTexts.pretty(inst))) {
                validFed++;
                String err = GrammarFixtures.feed(g.newConstraint(), tok, text, true);
                if (err == null) validAccepted++;
                else if (policy) validPolicy++;
                else validRejected.add(name + ": " + err + "\n   " + text);
            }
        }
        for (JsonNode line : lines(p, ".invalid.jsonl")) {
            if (line.has("invalid_under_draft2020_12") && !line.get("invalid_under_draft2020_12").asBoolean()) continue;
            invalidFed++;
            String text = JsonTexts.compact(line.get("instance"));
            if (GrammarFixtures.feed(g.newConstraint(), tok, text, false) != null) invalidRejected++;
            else invalidAccepted.add(name + ": " + text + "  (" + line.path("reason").asText() + ")");
        }
        assertThat(invalidOutputs).as("%s: random walks that ended in an invalid document", name).isEmpty();
        assertThat(invalidAccepted).as("%s: invalid instances accepted", name).isEmpty();
        assertThat(validRejected).as("%s: valid instances rejected", name).isEmpty();
    }

    private void summary() {
        System.out.printf("fixture schemas: %d, compiled %d, refused %s%n", schemaCount, compiled, refusals);
        System.out.printf("random walks: %d (%d ended, %d cut at 1500 tokens)%n", walks, ended, cut);
        System.out.printf("valid instances fed: %d, accepted %d, outside policy %d%n", validFed, validAccepted, validPolicy);
        System.out.printf("invalid instances fed: %d, rejected %d%n", invalidFed, invalidRejected);
        assertThat(compiled).isGreaterThanOrEqualTo(60);
    }

    private static String parseError(String text) {
        try {
            JsonTexts.MAPPER.readTree(text);
            return null;
        } catch (Exception e) {
            return "unparseable: " + e.getMessage();
        }
    }

    private static List<JsonNode> lines(Path schema, String suffix) throws IOException {
        Path f = Path.of(schema.toString().replace(".json", suffix));
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(f)) return out;
        for (String l : Files.readAllLines(f)) if (!l.isBlank()) out.add(JsonTexts.read(l));
        return out;
    }
}
