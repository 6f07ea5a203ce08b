package io.qwen4j.grammar;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Unsupported keywords are refused by name; hostile schemas are refused quickly and cleanly. */
class HostileSchemaTest {

    private static void refused(String schema, String keyword) {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                assertThatThrownBy(() -> JsonSchemaGrammar.compile(schema, JsonSchemaOptions.DEFAULT, GrammarFixtures.qwen3().vocabulary()))
                        .isInstanceOf(UnsupportedSchemaException.class)
                        .satisfies(e -> assertThat(((UnsupportedSchemaException) e).keyword()).isEqualTo(keyword)));
    }

    private static CompiledGrammar compiles(String schema) {
        return JsonSchemaGrammar.compile(schema, JsonSchemaOptions.DEFAULT, GrammarFixtures.qwen3().vocabulary());
    }

    @Test
    void unsupportedKeywordsAreNamed() {
        refused("{\"not\":{\"type\":\"string\"}}", "not");
        refused("{\"type\":\"array\",\"uniqueItems\":true}", "uniqueItems");
        refused("{\"type\":\"array\",\"contains\":{\"type\":\"string\"}}", "contains");
        refused("{\"if\":{\"type\":\"string\"},\"then\":{\"minLength\":2}}", "if");
        refused("{\"type\":\"object\",\"patternProperties\":{\"^x\":{}}}", "patternProperties");
        refused("{\"type\":\"object\",\"propertyNames\":{\"maxLength\":3}}", "propertyNames");
        refused("{\"type\":\"number\",\"multipleOf\":0.0001234567}", "multipleOf"); // automaton too large
        refused("{\"type\":\"number\",\"multipleOf\":0}", "multipleOf");
        refused("{\"type\":\"string\",\"format\":\"uri-template\"}", "format");
        refused("{\"type\":\"string\",\"pattern\":\"(a)\\\\1\"}", "pattern");
        refused("{\"type\":\"string\",\"pattern\":\"(?=a)b\"}", "pattern");
        refused("{\"$ref\":\"http://example.com/schema.json\"}", "$ref");
        refused("{\"oneOf\":[{\"type\":\"string\"},{\"maxLength\":3}]}", "oneOf");
        refused("{\"type\":\"object\",\"unevaluatedProperties\":false}", "unevaluatedProperties");
    }

    @Test
    void annotationsAndUnknownKeysAreIgnored() {
        CompiledGrammar g = compiles("""
                {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"x","title":"t","description":"d","examples":[1],
                 "default":{},"deprecated":false,"readOnly":true,"$comment":"c","x-kubernetes-patch-strategy":"merge","_format":"uri",
                 "type":"object","properties":{"a":{"type":"string","description":"x"}},"required":["a"],"additionalProperties":false}""");
        assertThat(GrammarFixtures.feed(g.newConstraint(), GrammarFixtures.qwen3(), "{\"a\": \"b\"}", true)).isNull();
    }

    @Test
    void hostileSchemasAreBounded() {
        refused("[".repeat(10) + "{" + "\"a\":".repeat(0) + "}" + "]".repeat(10), "schema"); // not a schema object
        String deep = "{\"type\":\"array\",\"items\":".repeat(200) + "{}" + "}".repeat(200);
        refused(deep, "limits");
        refused("{\"type\":\"string\",\"pattern\":\"^(a|b)*a(a|b){24}$\"}", "pattern");
        refused("{\"type\":\"array\",\"maxItems\":1000000}", "maxItems");
        StringBuilder bigEnum = new StringBuilder("{\"enum\":[");
        for (int i = 0; i < 20_000; i++) bigEnum.append(i > 0 ? "," : "").append('"').append("v").append(i).append('"');
        refused(bigEnum.append("]}").toString(), "enum");
        refused("{\"type\":\"string\",\"description\":\"" + "x".repeat(JsonSchemaGrammar.MAX_SCHEMA_CHARS) + "\"}", "limits");
        // Exponential allOf/$ref expansion: each level merges the previous twice.
        StringBuilder defs = new StringBuilder("{\"$defs\":{\"d0\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}");
        for (int i = 1; i <= 30; i++) defs.append(",\"d").append(i).append("\":{\"allOf\":[{\"$ref\":\"#/$defs/d").append(i - 1)
                .append("\"},{\"$ref\":\"#/$defs/d").append(i - 1).append("\"}]}");
        refused(defs.append("},\"$ref\":\"#/$defs/d30\"}").toString(), "allOf");
        refused("{\"$ref\":\"#\"}", "schema"); // allows no value
        refused("{\"allOf\":[{\"$ref\":\"#\"}]}", "$ref"); // infinite allOf inlining
    }

    @Test
    void recursiveSchemasCompileToRecursiveGrammars() {
        CompiledGrammar g = compiles("""
                {"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
                 "children":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["value"],"additionalProperties":false}},
                 "$ref":"#/$defs/node"}""");
        assertThat(GrammarFixtures.feed(g.newConstraint(), GrammarFixtures.qwen3(),
                "{\"value\": 1, \"children\": [{\"value\": 2, \"children\": [{\"value\": 3}]}, {\"value\": 4}]}", true)).isNull();
        assertThat(GrammarFixtures.feed(g.newConstraint(), GrammarFixtures.qwen3(),
                "{\"value\": 1, \"children\": [{\"value\": 2}, {\"value\": 3}, {\"value\": 4}]}", false)).isNotNull();
    }

    @Test
    void numericBoundsAreExact() {
        var tok = GrammarFixtures.qwen3();
        CompiledGrammar g = compiles("{\"type\":\"number\",\"exclusiveMinimum\":-1.5,\"maximum\":2.25}");
        for (String ok : new String[] {"-1.49", "-1", "0", "0.0", "2", "2.25", "2.2499", "-0.5", "1.999"}) {
            assertThat(GrammarFixtures.feed(g.newConstraint(), tok, ok, true)).as(ok).isNull();
        }
        for (String bad : new String[] {"-1.5", "-1.50", "-2", "2.26", "2.250001", "3", "1e1"}) {
            assertThat(GrammarFixtures.feed(g.newConstraint(), tok, bad, false)).as(bad).isNotNull();
        }
        CompiledGrammar i = compiles("{\"type\":\"integer\",\"minimum\":-20,\"exclusiveMaximum\":105}");
        for (String ok : new String[] {"-20", "-7", "0", "99", "104"}) assertThat(GrammarFixtures.feed(i.newConstraint(), tok, ok, true)).as(ok).isNull();
        for (String bad : new String[] {"-21", "105", "1000", "1.5", "-0"}) assertThat(GrammarFixtures.feed(i.newConstraint(), tok, bad, false)).as(bad).isNotNull();
    }

    @Test
    void endOfGenerationOnlyWhenComplete() {
        var tok = GrammarFixtures.qwen3();
        CompiledGrammar g = GrammarFixtures.compiler().jsonObject();
        TokenConstraint c = g.newConstraint();
        long[] mask = new long[c.maskWords()];
        int imEnd = tok.vocabulary().idOf("<|im_end|>").getAsInt();
        for (int id : tok.encode("{\"a\": [1, {\"b\": null}]", false)) {
            c.allowedTokens(mask);
            assertThat(mask[imEnd >>> 6] & (1L << imEnd)).isZero();
            assertThat(c.accept(id)).isTrue();
        }
        assertThat(c.canEnd()).isFalse();
        assertThat(c.accept(imEnd)).isFalse();
        assertThat(c.accept(tok.encode("}", false)[0])).isTrue();
        c.allowedTokens(mask);
        assertThat(mask[imEnd >>> 6] & (1L << imEnd)).isNotZero();
        assertThat(c.isComplete()).isTrue();
        TokenConstraint fork = c.copy();
        assertThat(fork.accept(imEnd)).isTrue();
        assertThat(c.canEnd()).isTrue(); // the fork did not change the original
        // json_object: an array at the root is not an object
        assertThat(GrammarFixtures.feed(g.newConstraint(), tok, "[1]", false)).isNotNull();
    }
}
