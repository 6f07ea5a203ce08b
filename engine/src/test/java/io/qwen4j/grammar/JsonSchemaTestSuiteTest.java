package io.qwen4j.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.testing.TestData;
import io.qwen4j.tokenizer.Qwen3Tokenizer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official JSON-Schema-Test-Suite (draft 2020-12): every case either is refused with a keyword or
 * (1) accepts each valid test document token by token, (2) rejects each invalid one (0 false positives),
 * (3) generates only valid documents in random walks. For the formats, whose regexes cover a subset of the
 * valid strings, valid documents outside the subset are counted, not failed.
 */
@Tag("slow")
class JsonSchemaTestSuiteTest {
    /** Valid documents outside the output policy: properties in an order other than the schema's. */
    private static final java.util.Set<String> PROPERTY_ORDER = java.util.Set.of(
            "allOf.json / allOf / allOf", "allOf.json / allOf with base schema / valid",
            "const.json / const with object / same object with different property order is valid");
    private static final List<String> FORMAT_FILES = List.of("date-time", "date", "time", "uuid", "email", "ipv4", "ipv6", "hostname", "uri");

    /** Counts over the whole suite, printed by the last case. */
    private final Map<String, Integer> refusals = new TreeMap<>();
    private int orderPolicy, cases, compiled, validPass, validFail, formatSubset, invalidPass, walks;

    /** One named case per schema group ("file / group"), so a failure names the group; the summary prints last. */
    @TestFactory
    Stream<DynamicTest> suite() throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(TestData.path("schemas/suite/draft2020-12"))) {
            s.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().equals("format.json")).sorted().forEach(files::add);
        }
        for (String f : FORMAT_FILES) files.add(TestData.path("schemas/suite/draft2020-12/optional/format/" + f + ".json"));
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : files) {
            boolean formatFile = file.toString().contains("/format/");
            for (JsonNode group : JsonTexts.read(Files.readString(file))) {
                String where = file.getFileName() + " / " + group.get("description").asText();
                tests.add(DynamicTest.dynamicTest(where, () -> checkGroup(where, group, formatFile)));
            }
        }
        tests.add(DynamicTest.dynamicTest("summary", this::printSummary));
        return tests.stream();
    }

    private void checkGroup(String where, JsonNode group, boolean formatFile) {
        Qwen3Tokenizer tok = GrammarFixtures.qwen3();
        List<String> failures = new ArrayList<>();
        cases++;
        String schemaText = JsonTexts.compact(group.get("schema"));
        CompiledGrammar g;
        try {
            g = GrammarFixtures.compiler().jsonSchema(schemaText);
        } catch (UnsupportedSchemaException e) {
            refusals.merge(e.keyword(), 1, Integer::sum);
            return;
        }
        compiled++;
        for (JsonNode test : group.get("tests")) {
            String data = JsonTexts.compact(test.get("data"));
            // The tokenizer normalises to NFC, so a non-NFC document cannot be fed as written.
            if (!java.text.Normalizer.isNormalized(data, java.text.Normalizer.Form.NFC)) continue;
            String err = GrammarFixtures.feed(g.newConstraint(), tok, data, test.get("valid").asBoolean());
            if (test.get("valid").asBoolean()) {
                if (err == null) validPass++;
                else if (formatFile) formatSubset++;
                else if (PROPERTY_ORDER.contains(where + " / " + test.get("description").asText())) orderPolicy++;
                else {
                    validFail++;
                    failures.add("VALID REJECTED " + where + " / " + test.get("description").asText() + ": " + data + " -> " + err);
                }
            } else {
                if (err != null) invalidPass++;
                else failures.add("INVALID ACCEPTED " + where + " / " + test.get("description").asText() + ": " + data);
            }
        }
        SchemaValidator validator = new SchemaValidator(schemaText);
        for (long seed = 1; seed <= 2; seed++) {
            GrammarFixtures.Walk w = GrammarFixtures.randomWalk(g.newConstraint(), tok, seed, 600, 0.6);
            walks++;
            if (!w.ended()) continue;
            String err = validator.errors(w.text());
            if (err != null) failures.add("INVALID OUTPUT " + where + " (walk seed " + seed + "): " + w.text() + " -> " + err);
        }
        failures.forEach(System.out::println);
        assertThat(failures).as(where).isEmpty();
    }

    private void printSummary() {
        System.out.printf("suite cases: %d, compiled %d, refused %s%n", cases, compiled, refusals);
        System.out.printf("valid tests accepted %d, rejected %d (+%d outside the format subsets, %d outside the property order);"
                + " invalid tests rejected %d; walks %d%n", validPass, validFail, formatSubset, orderPolicy, invalidPass, walks);
    }
}
