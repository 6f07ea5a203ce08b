package io.qwen4j.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.tokenizer.Qwen3Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tool calls in Qwen's format: every generated call parses to {name, arguments} valid for that tool. */
class ToolCallGrammarTest {
    private static final Pattern CALL = Pattern.compile("<tool_call>\\n?(.*?)\\n?</tool_call>", Pattern.DOTALL);

    private static final List<ToolCallGrammar.Tool> TOOLS = List.of(
            new ToolCallGrammar.Tool("get_weather", """
                    {"type":"object","properties":{"city":{"type":"string","maxLength":20},
                     "unit":{"enum":["celsius","fahrenheit"]},"days":{"type":"integer","minimum":1,"maximum":7}},
                     "required":["city","unit"],"additionalProperties":false}"""),
            new ToolCallGrammar.Tool("search", """
                    {"type":"object","properties":{"query":{"type":"string","minLength":1,"maxLength":30},
                     "filters":{"type":"array","items":{"type":"string","format":"date"},"maxItems":2}},
                     "required":["query"],"additionalProperties":false}"""),
            new ToolCallGrammar.Tool("noop", null));

    @Test
    void requiredCallsAreValidForTheirTools() {
        Qwen3Tokenizer tok = GrammarFixtures.qwen3();
        for (boolean parallel : new boolean[] {false, true}) {
            ToolCallGrammar g = GrammarFixtures.compiler().tools(TOOLS, ToolCallGrammar.Choice.REQUIRED, null, parallel);
            for (long seed = 0; seed < 12; seed++) {
                GrammarFixtures.Walk w = GrammarFixtures.randomWalk(g.newConstraint(), tok, seed, 2000, 0.5);
                assertThat(w.ended()).as("parallel=%s seed %d: %s", parallel, seed, w.text()).isTrue();
                String text = decode(tok, w);
                List<JsonNode> calls = calls(text);
                assertThat(calls).as("parallel=%s seed %d: %s", parallel, seed, text).isNotEmpty();
                if (!parallel) assertThat(calls).as("seed %d: %s", seed, text).hasSize(1);
                for (JsonNode call : calls) assertValidCall(call, null);
            }
        }
    }

    @Test
    void namedFunctionIsForced() {
        Qwen3Tokenizer tok = GrammarFixtures.qwen3();
        ToolCallGrammar g = GrammarFixtures.compiler().tools(TOOLS, ToolCallGrammar.Choice.NAMED, "search", false);
        for (long seed = 0; seed < 8; seed++) {
            GrammarFixtures.Walk w = GrammarFixtures.randomWalk(g.newConstraint(), tok, seed, 2000, 0.5);
            List<JsonNode> calls = calls(decode(tok, w));
            assertThat(calls).as("seed %d", seed).hasSize(1);
            assertValidCall(calls.getFirst(), "search");
        }
        assertThatThrownBy(() -> GrammarFixtures.compiler().tools(TOOLS, ToolCallGrammar.Choice.NAMED, "nope", false))
                .isInstanceOf(UnsupportedSchemaException.class);
    }

    @Test
    void autoIsFreeUntilToolCallThenConstrained() {
        Qwen3Tokenizer tok = GrammarFixtures.qwen3();
        ToolCallGrammar g = GrammarFixtures.compiler().tools(TOOLS, ToolCallGrammar.Choice.AUTO, null, true);
        TokenConstraint c = g.newConstraint();
        long[] mask = new long[c.maskWords()];
        c.allowedTokens(mask);
        int open = g.callOpenToken();
        assertThat(GrammarFixtures.bits(mask).length).isGreaterThan(150_000);
        assertThat(c.canEnd()).isTrue();
        for (int id : tok.encode("Let me check the weather.\n", false)) assertThat(c.accept(id)).isTrue();
        assertThat(c.accept(open)).isTrue();
        for (int id : tok.encode("\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}\n", false)) {
            assertThat(c.accept(id)).isTrue();
        }
        assertThat(c.canEnd()).isFalse();
        assertThat(c.accept(g.callCloseToken())).isTrue();
        assertThat(c.canEnd()).isTrue();
        TokenConstraint bad = g.newConstraint();
        bad.accept(open);
        assertThat(GrammarFixtures.feed(bad, tok, "\n{\"name\": \"get_weather\", \"arguments\": {\"town\": \"Paris\"}}", false)).isNotNull();
    }

    @Test
    void noneForbidsToolCallToken() {
        ToolCallGrammar g = GrammarFixtures.compiler().tools(TOOLS, ToolCallGrammar.Choice.NONE, null, true);
        TokenConstraint c = g.newConstraint();
        long[] mask = new long[c.maskWords()];
        c.allowedTokens(mask);
        assertThat(mask[g.callOpenToken() >>> 6] & (1L << g.callOpenToken())).isZero();
        assertThat(c.accept(g.callOpenToken())).isFalse();
    }

    @Test
    void trainedFormatIsAcceptedTokenByToken() {
        Qwen3Tokenizer tok = GrammarFixtures.qwen3();
        ToolCallGrammar g = GrammarFixtures.compiler().tools(TOOLS, ToolCallGrammar.Choice.REQUIRED, null, true);
        String text = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\", \"days\": 3}}\n</tool_call>\n"
                + "<tool_call>\n{\"name\": \"noop\", \"arguments\": {}}\n</tool_call>";
        TokenConstraint c = g.newConstraint();
        long[] mask = new long[c.maskWords()];
        for (int id : tok.encode(text, true)) {
            c.allowedTokens(mask);
            assertThat(mask[id >>> 6] & (1L << id)).as("token %d %s", id, tok.decode(new int[] {id})).isNotZero();
            assertThat(c.accept(id)).isTrue();
        }
        assertThat(c.canEnd()).isTrue();
        int imEnd = tok.vocabulary().idOf("<|im_end|>").getAsInt();
        c.allowedTokens(mask);
        assertThat(mask[imEnd >>> 6] & (1L << imEnd)).isNotZero();
        assertThat(c.accept(imEnd)).isTrue();
        assertThat(c.isComplete()).isTrue();
    }

    private static String decode(Qwen3Tokenizer tok, GrammarFixtures.Walk w) {
        List<Integer> ids = new ArrayList<>(w.ids());
        if (!ids.isEmpty() && tok.isEndOfGeneration(ids.getLast())) ids.removeLast();
        return tok.decode(ids.stream().mapToInt(Integer::intValue).toArray());
    }

    private static List<JsonNode> calls(String text) {
        List<JsonNode> out = new ArrayList<>();
        Matcher m = CALL.matcher(text);
        while (m.find()) out.add(JsonTexts.read(m.group(1)));
        return out;
    }

    private static void assertValidCall(JsonNode call, String expectedName) {
        assertThat(call.isObject()).isTrue();
        assertThat(call.size()).as(call.toString()).isEqualTo(2);
        String name = call.get("name").asText();
        if (expectedName != null) assertThat(name).isEqualTo(expectedName);
        ToolCallGrammar.Tool tool = TOOLS.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
        String schema = tool.parametersJson() == null ? "{\"type\":\"object\",\"properties\":{}}" : tool.parametersJson();
        assertThat(new SchemaValidator(schema).errors(JsonTexts.compact(call.get("arguments")))).as(call.toString()).isNull();
    }

    @SuppressWarnings("unused")
    private static final Map<String, String> UNUSED = Map.of();
}
