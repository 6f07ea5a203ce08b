package io.qwen4j.grammar;

import io.qwen4j.tokenizer.Qwen3Tokenizer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hostile and OpenAI-strict inputs: the compile budget is a deadline, a named tool choice is one call,
 * whitespace and unbounded strings are bounded by default, OpenAI's strict keywords compile, and unbounded
 * numbers stay within double range.
 */
class SchemaHardeningTest {
    private static final long BUDGET_MS = JsonSchemaGrammar.COMPILE_BUDGET_NANOS / 1_000_000;

    private static CompiledGrammar compile(String schema) {
        return JsonSchemaGrammar.compile(schema, JsonSchemaOptions.DEFAULT, GrammarFixtures.qwen3().vocabulary());
    }

    private static boolean accepts(CompiledGrammar g, String text) {
        return GrammarFixtures.feed(g.newConstraint(), GrammarFixtures.qwen3(), text, false) == null;
    }

    /** Compiles (or refuses as "limits") within the budget plus slack for a loaded machine. */
    private static void withinBudget(Runnable compile) {
        long t0 = System.nanoTime();
        try {
            compile.run();
        } catch (UnsupportedSchemaException e) {
            assertThat(e.keyword()).as(e.getMessage()).isEqualTo("limits");
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("compile wall time (ms)").isLessThan(BUDGET_MS + 1_500);
    }

    @Test
    void compileBudgetIsAWallClockDeadline() {
        GrammarFixtures.compiler(); // the vocabulary index is built once per vocabulary, outside any budget
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < 10_000; i++) values.append(i > 0 ? "," : "").append(i);
        String params = "{\"type\":\"object\",\"properties\":{\"v\":{\"enum\":[" + values + "]}},\"required\":[\"v\"]}";
        withinBudget(() -> {
            ToolCallGrammar g = ToolCallGrammar.compile(GrammarFixtures.qwen3().vocabulary(), GrammarFixtures.QWEN3_TOOL_CALL.open(), GrammarFixtures.QWEN3_TOOL_CALL.close(), List.of(new ToolCallGrammar.Tool("f", params)),
                    ToolCallGrammar.Choice.REQUIRED, null, true, JsonSchemaOptions.DEFAULT);
            TokenConstraint c = g.newConstraint();
            long[] mask = new long[c.maskWords()];
            c.allowedTokens(mask);
            c.accept(g.callOpenToken());
            GrammarFixtures.feed(c, GrammarFixtures.qwen3(), "\n{\"name\": \"f\", \"arguments\": {\"v\": ", false);
            c.allowedTokens(mask);

        });
        StringBuilder consts = new StringBuilder("{\"oneOf\":[");
        for (int i = 0; i < 5_000; i++) consts.append(i > 0 ? "," : "").append("{\"const\":\"c").append(i).append("\"}");
        String oneOf = consts.append("]}").toString();
        withinBudget(() -> compile(oneOf));
        StringBuilder strings = new StringBuilder("{\"enum\":[");
        for (int i = 0; i < 10_000; i++) strings.append(i > 0 ? "," : "").append("\"value number ").append(i).append(" of a big enum\"");
        String stringEnum = strings.append("]}").toString();
        withinBudget(() -> compile(stringEnum));
        // one lexeme per distinct number inside 10k object values: refused at the deadline, not compiled for 20 s
        StringBuilder objects = new StringBuilder("{\"enum\":[");
        for (int i = 0; i < 10_000; i++) objects.append(i > 0 ? "," : "").append("{\"a\":").append(i).append(",\"b\":").append(i * 7 + 0.5).append('}');
        String objectEnum = objects.append("]}").toString();
        withinBudget(() -> compile(objectEnum));
    }

    @Test
    void namedToolChoiceIsExactlyOneCall() {
        Qwen3Tokenizer tok = GrammarFixtures.qwen3();
        List<ToolCallGrammar.Tool> tools = List.of(new ToolCallGrammar.Tool("f", "{\"type\":\"object\",\"properties\":{}}"),
                new ToolCallGrammar.Tool("g", null));
        ToolCallGrammar named = GrammarFixtures.compiler().tools(tools, ToolCallGrammar.Choice.NAMED, "f", true);
        TokenConstraint c = named.newConstraint();
        assertThat(c.accept(named.callOpenToken())).isTrue();
        assertThat(GrammarFixtures.feed(c, tok, "\n{\"name\": \"f\", \"arguments\": {}}\n", false)).startsWith("cannot end");
        assertThat(c.accept(named.callCloseToken())).isTrue();
        assertThat(c.isComplete()).as("a named choice ends after its one call").isTrue();
        assertThat(c.accept(named.callOpenToken())).isFalse();
    }

    @Test
    void whitespaceBetweenTokensIsBoundedByDefault() {
        CompiledGrammar g = compile("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}}}");
        assertThat(accepts(g, "{\"a\":[1,2]}")).isTrue();
        assertThat(accepts(g, "{\"a\": [1, 2]}")).isTrue();
        assertThat(accepts(g, "{ \"a\" : [ 1 , 2 ] }")).isTrue();
        assertThat(accepts(g, "{\n  \"a\": [\n    1,\n    2\n  ]\n}")).isTrue(); // pretty, 2-space indent
        assertThat(accepts(g, "{\n\t\"a\": [\n\t\t1\n\t]\n}")).isTrue(); // tabs
        assertThat(accepts(g, "{\"a\":  [1]}")).as("two spaces").isFalse();
        assertThat(accepts(g, "{\"a\":\n\n[1]}")).as("a blank line").isFalse();
        assertThat(accepts(g, "{\"a\":\n" + " ".repeat(JsonSchemaOptions.DEFAULT.maxIndent() + 1) + "[1]}")).as("deep indent").isFalse();
        CompiledGrammar compact = JsonSchemaGrammar.compile("{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}",
                JsonSchemaOptions.DEFAULT.withMaxIndent(-1), GrammarFixtures.qwen3().vocabulary());
        assertThat(accepts(compact, "[1, 2]")).isTrue();
        assertThat(accepts(compact, "[1,\n2]")).isFalse();
    }

    @Test
    void stringsWithoutMaxLengthAreBoundedByDefault() {
        int max = JsonSchemaOptions.DEFAULT.maxStringLength();
        assertThat(max).isPositive();
        CompiledGrammar g = compile("{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\"}}}");
        assertThat(accepts(g, "{\"s\": \"" + "x".repeat(max) + "\"}")).isTrue();
        assertThat(accepts(g, "{\"s\": \"" + "x".repeat(max + 1) + "\"}")).isFalse();
        // undeclared keys and values of any-value schemas too
        assertThat(accepts(g, "{\"" + "k".repeat(max + 1) + "\": 1}")).isFalse();
        assertThat(accepts(g, "{\"k\": [\"" + "x".repeat(max + 1) + "\"]}")).isFalse();
        // a schema's own maxLength still wins
        CompiledGrammar longer = compile("{\"type\":\"string\",\"maxLength\":" + (max + 10) + "}");
        assertThat(accepts(longer, "\"" + "x".repeat(max + 10) + "\"")).isTrue();
    }

    @Test
    void openAiStrictFormatsAreSupported() {
        for (String f : List.of("date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid")) {
            compile("{\"type\":\"string\",\"format\":\"" + f + "\"}");
        }
        CompiledGrammar d = compile("{\"type\":\"string\",\"format\":\"duration\"}");
        for (String ok : List.of("P3Y6M4DT12H30M5S", "PT1H", "P4W", "P1D", "PT0S", "P1Y", "PT5M", "P2MT1M")) {
            assertThat(accepts(d, "\"" + ok + "\"")).as(ok).isTrue();
        }
        for (String bad : List.of("P", "PT", "P1H", "1D", "P1DT", "P1W2D", "PT1S2M", "P1.5D")) {
            assertThat(accepts(d, "\"" + bad + "\"")).as(bad).isFalse();
        }
    }

    @Test
    void multipleOfIsEnforced() {
        CompiledGrammar half = compile("{\"type\":\"number\",\"multipleOf\":0.5}");
        for (String ok : List.of("0", "1.5", "-2", "3.0", "10.50", "7.500")) assertThat(accepts(half, ok)).as(ok).isTrue();
        for (String bad : List.of("1.25", "0.1", "-0.7", "1e2")) assertThat(accepts(half, bad)).as(bad).isFalse();
        CompiledGrammar three = compile("{\"type\":\"integer\",\"multipleOf\":3,\"minimum\":5,\"maximum\":100}");
        for (String ok : List.of("6", "9", "99")) assertThat(accepts(three, ok)).as(ok).isTrue();
        for (String bad : List.of("3", "10", "102", "0")) assertThat(accepts(three, bad)).as(bad).isFalse();
        CompiledGrammar cents = compile("{\"type\":\"number\",\"multipleOf\":0.01,\"minimum\":0}");
        assertThat(accepts(cents, "12.34")).isTrue();
        assertThat(accepts(cents, "12.345")).isFalse();
        assertThat(accepts(cents, "-1")).isFalse();
        // random walks give multiples only
        Qwen3Tokenizer tok = GrammarFixtures.qwen3();
        CompiledGrammar seven = compile("{\"type\":\"array\",\"items\":{\"type\":\"number\",\"multipleOf\":0.7},\"maxItems\":4}");
        for (long seed = 0; seed < 10; seed++) {
            GrammarFixtures.Walk w = GrammarFixtures.randomWalk(seven.newConstraint(), tok, seed, 300, 0.5);
            String text = w.text().trim();
            if (!w.ended()) continue;
            String body = text.substring(1, text.length() - 1).trim();
            if (body.isEmpty()) continue;
            for (String item : body.split(",")) {
                assertThat(new BigDecimal(item.trim()).remainder(new BigDecimal("0.7")).signum()).as(text).isZero();
            }
        }
        // an enum value must also be a multiple
        CompiledGrammar e = compile("{\"enum\":[1,2,3,4],\"multipleOf\":2}");
        assertThat(accepts(e, "2")).isTrue();
        assertThat(accepts(e, "3")).isFalse();
        assertThatThrownBy(() -> compile("{\"type\":\"number\",\"multipleOf\":0}")).isInstanceOf(UnsupportedSchemaException.class);
    }

    @Test
    void unboundedNumbersStayWithinDoubleRange() {
        CompiledGrammar g = compile("{\"type\":\"number\"}");
        assertThat(accepts(g, "1.5e200")).isTrue();
        assertThat(accepts(g, "-2E-100")).isTrue();
        assertThat(accepts(g, "5e400")).isFalse();
        assertThat(accepts(g, "9999999999999999999e300")).isFalse();
        assertThat(accepts(g, "1e-400")).isFalse();
        Qwen3Tokenizer tok = GrammarFixtures.qwen3();
        CompiledGrammar any = compile("{\"type\":\"array\",\"items\":{\"type\":\"number\"},\"maxItems\":8}");
        for (long seed = 0; seed < 20; seed++) {
            GrammarFixtures.Walk w = GrammarFixtures.randomWalk(any.newConstraint(), tok, seed, 300, 0.3);
            if (!w.ended()) continue;
            String body = w.text().trim();
            body = body.substring(1, body.length() - 1).trim();
            if (body.isEmpty()) continue;
            for (String item : body.split(",")) {
                double v = Double.parseDouble(item.trim());
                assertThat(Double.isFinite(v)).as(item).isTrue();
                assertThat(v == 0 || Math.abs(v) >= Double.MIN_VALUE).isTrue();
                assertThat(v != 0 || new BigDecimal(item.trim()).signum() == 0).as("underflow: " + item).isTrue();
            }
        }
    }

    /**
     * The byte automaton of a string lexeme lost transitions when its table grew mid-build (here: the
     * 0xED- and 0xF0-led characters of undeclared keys), so the mask allowed tokens the constraint rejected.
     */
    @Test
    void masksAndAcceptAgreeOnMultiByteKeys() {
        Qwen3Tokenizer tok = GrammarFixtures.qwen3();
        for (int maxLength : new int[] {-1, 4096}) {
            for (String[] c : new String[][] {{"{\"type\":\"object\",\"properties\":{\"ab\":{},\"type\":{}}}", "{\"ab\": 1, \"type\": 1, \""},
                    {"{\"type\":\"object\",\"properties\":{\"type\":{}}}", "{\""}}) {
                CompiledGrammar g = JsonSchemaGrammar.compile(c[0], JsonSchemaOptions.DEFAULT.withMaxStringLength(maxLength), tok.vocabulary());
                TokenConstraint t = g.newConstraint();
                for (int id : tok.encode(c[1], false)) assertThat(t.accept(id)).isTrue();
                long[] mask = new long[t.maskWords()];
                t.allowedTokens(mask);
                int rejected = 0;
                for (int id : GrammarFixtures.bits(mask)) if (!t.copy().accept(id)) rejected++;
                assertThat(rejected).as(c[0] + " max " + maxLength).isZero();
                assertThat(accepts(g, c[1] + "\uD83D\uDE00\uD55C\": 2}")).isTrue();
            }
        }
    }

    /** A step or an enum value of a billion digits is refused or rejected at once, never divided. */
    @Test
    void hugeMultipleOfAndEnumValuesCostNothing() {
        long t0 = System.nanoTime();
        for (String schema : new String[] {"{\"type\": \"integer\", \"multipleOf\": 1e-999999999}",
                "{\"type\": \"number\", \"multipleOf\": 1e999999999}"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> compile(schema)).as(schema)
                    .isInstanceOf(UnsupportedSchemaException.class).hasMessageContaining("multipleOf");
        }
        CompiledGrammar g = compile("{\"enum\": [1e999999999, 6], \"multipleOf\": 3}");
        org.assertj.core.api.Assertions.assertThat(accepts(g, "6")).isTrue();
        org.assertj.core.api.Assertions.assertThat(System.nanoTime() - t0).as("nanoseconds").isLessThan(5_000_000_000L);
    }
}
