package io.qwen4j.grammar;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConstraintSmokeTest {

    @Test
    void simpleSchemaWalks() {
        var tok = GrammarFixtures.qwen3();
        String schema = """
                {"type":"object","properties":{"name":{"type":"string","maxLength":12},"age":{"type":"integer","minimum":0,"maximum":130},
                 "tags":{"type":"array","items":{"enum":["a","b","ü"]},"maxItems":3}},"required":["name","age"],"additionalProperties":false}""";
        CompiledGrammar g = GrammarFixtures.compiler().jsonSchema(schema);
        for (int seed = 0; seed < 5; seed++) {
            var w = GrammarFixtures.randomWalk(g.newConstraint(), tok, seed, 500, 0.5);
            assertThat(w.ended()).isTrue();
        }
        assertThat(GrammarFixtures.feed(g.newConstraint(), tok, "{\"name\": \"Bob\", \"age\": 42, \"tags\": [\"a\", \"ü\"]}", true)).isNull();
        assertThat(GrammarFixtures.feed(g.newConstraint(), tok, "{\"name\":\"Bob\",\"age\":131}", false)).isNotNull();
    }
}
