package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.kv.PagedKvCache;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * response_format / structured_outputs over HTTP on the tiny random-weight model, whose free output is
 * gibberish: every constrained answer must parse and validate against its schema (an independent validator).
 */
class StructuredOutputsTest {
    static TestServer s;

    /** Varied schemas; strings and containers bounded so that a random model finishes within max_tokens. */
    static final List<String> SCHEMAS = List.of(
            """
            {"type": "object", "properties": {"name": {"type": "string", "maxLength": 8}, "age": {"type": "integer", "minimum": 0, "maximum": 150}},
             "required": ["name", "age"], "additionalProperties": false}""",
            """
            {"type": "object", "properties": {"color": {"enum": ["red", "green", "blue"]}, "kind": {"const": "point"},
             "x": {"type": "number", "minimum": -1, "maximum": 1}}, "required": ["color", "kind", "x"], "additionalProperties": false}""",
            """
            {"type": "array", "items": {"type": "number", "minimum": -10, "maximum": 10}, "minItems": 1, "maxItems": 4}""",
            """
            {"type": "object", "properties": {"user": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"},
             "born": {"type": "string", "format": "date"}, "seen": {"type": "string", "format": "date-time"}},
             "required": ["id", "born", "seen"], "additionalProperties": false}}, "required": ["user"], "additionalProperties": false}""",
            """
            {"type": "object", "properties": {"v": {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "integer"}, {"type": "null"}]}},
             "required": ["v"], "additionalProperties": false}""",
            """
            {"type": "object", "properties": {"code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{2}$"}, "ok": {"type": "boolean"}},
             "required": ["code", "ok"], "additionalProperties": false}""",
            """
            {"$defs": {"node": {"type": "object", "properties": {"value": {"type": "integer", "minimum": 0, "maximum": 99},
             "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2}}, "required": ["value"], "additionalProperties": false}},
             "$ref": "#/$defs/node"}""",
            """
            {"type": "array", "prefixItems": [{"type": "string", "maxLength": 3}, {"type": "boolean"}, {"type": "integer", "minimum": 1, "maximum": 9}],
             "items": false, "minItems": 3}""",
            """
            {"type": "object", "properties": {"word": {"enum": ["日本", "café", "😀", "naïve"]}, "note": {"type": "string", "minLength": 1, "maxLength": 4}},
             "required": ["word", "note"], "additionalProperties": false}""",
            """
            {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "boolean"}, "c": {"type": ["integer", "null"]}},
             "required": ["a"], "additionalProperties": false}""",
            """
            {"oneOf": [{"type": "object", "properties": {"kind": {"const": "circle"}, "r": {"type": "number", "minimum": 0, "maximum": 5}},
              "required": ["kind", "r"], "additionalProperties": false},
             {"type": "object", "properties": {"kind": {"const": "square"}, "side": {"type": "integer", "minimum": 1, "maximum": 5}},
              "required": ["kind", "side"], "additionalProperties": false}]}""",
            """
            {"type": "array", "items": {"type": "object", "properties": {"k": {"type": "string", "maxLength": 2}, "n": {"type": "integer", "exclusiveMinimum": 0, "maximum": 3}},
             "required": ["k", "n"], "additionalProperties": false}, "minItems": 2, "maxItems": 3}""",
            """
            {"type": "string", "minLength": 2, "maxLength": 10}""",
            """
            {"type": "object", "properties": {"ip": {"type": "string", "format": "ipv4"}, "tags": {"type": "array", "items": {"enum": ["x", "y"]},
             "minItems": 0, "maxItems": 3}, "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}},
             "required": ["ip", "tags", "ratio"], "additionalProperties": false}""");

    static final long[] SEEDS = {1, 7, 42};

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer("models/qwen3vl-tiny-Q8_0.gguf", List.of("tiny"), EngineConfig.builder(2048).parallel(4).maxQueued(8).stepTokenBudget(256).kvStorage(PagedKvCache.Storage.F16).build(),
                ApiServer.Options.defaults());
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static ObjectNode request(long seed) {
        ObjectNode body = TestServer.JSON.createObjectNode().put("model", "tiny").put("temperature", 1.0).put("seed", seed).put("max_tokens", 1500);
        body.putArray("messages").addObject().put("role", "user").put("content", "Give me the data as JSON.");
        return body;
    }

    static ObjectNode jsonSchemaRequest(String schema, long seed) throws Exception {
        ObjectNode body = request(seed);
        ObjectNode js = body.putObject("response_format").put("type", "json_schema").putObject("json_schema");
        js.put("name", "answer").put("strict", true).set("schema", TestServer.JSON.readTree(schema));
        return body;
    }

    @Tag("slow")
    @Test
    void everySchemaAndSeedGivesAValidDocument() throws Exception {
        List<String> invalid = new ArrayList<>();
        int checked = 0;
        for (String schema : SCHEMAS) {
            JsonSchemaCheck check = new JsonSchemaCheck(schema);
            for (long seed : SEEDS) {
                TestServer.Answer a = s.post("/v1/chat/completions", jsonSchemaRequest(schema, seed));
                assertThat(a.status()).as("%s seed %d: %s", schema, seed, a.raw().body()).isEqualTo(200);
                JsonNode choice = a.body().get("choices").get(0);
                String content = choice.get("message").get("content").asText();
                String errors = check.errors(content);
                if (errors != null) invalid.add(schema + " seed " + seed + ": " + content + " → " + errors);
                assertThat(choice.get("finish_reason").asText()).as("%s seed %d: %s", schema, seed, content).isEqualTo("stop");
                checked++;
            }
        }
        assertThat(invalid).isEmpty();
        assertThat(checked).isEqualTo(SCHEMAS.size() * SEEDS.length);
    }

    @Tag("slow")
    @Test
    void jsonObjectGivesAnObject() throws Exception {
        // Biased toward closing (an object is unbounded; a random model would otherwise run to max_tokens).
        for (long seed : SEEDS) {
            ObjectNode body = request(seed);
            body.putObject("response_format").put("type", "json_object");
            ObjectNode bias = body.putObject("logit_bias");
            for (String closer : List.of("\"", "}", "]")) for (int id : s.model.tokenize(closer, false)) bias.put(Integer.toString(id), 8);
            TestServer.Answer a = s.post("/v1/chat/completions", body);
            assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
            String content = a.body().get("choices").get(0).get("message").get("content").asText();
            assertThat(TestServer.JSON.readTree(content).isObject()).as(content).isTrue();
        }
    }

    @Test
    void vllmStructuredOutputsAliasAndStreamingGiveTheSameDocument() throws Exception {
        String schema = SCHEMAS.get(1);
        ObjectNode body = request(3);
        body.putObject("structured_outputs").set("json", TestServer.JSON.readTree(schema));
        TestServer.Answer a = s.post("/v1/chat/completions", body);
        assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
        String content = a.body().get("choices").get(0).get("message").get("content").asText();
        assertThat(new JsonSchemaCheck(schema).errors(content)).isNull();
        assertThat(a.body().get("choices").get(0).get("native_finish_reason").asText()).isEqualTo("constraint_complete");

        ObjectNode streamed = jsonSchemaRequest(schema, 3).put("stream", true);
        StringBuilder text = new StringBuilder();
        for (JsonNode e : TestServer.events(s.post("/v1/chat/completions", streamed).raw().body())) {
            if (!e.isObject() || e.get("choices").isEmpty()) continue;
            text.append(e.get("choices").get(0).path("delta").path("content").asText(""));
        }
        assertThat(text.toString()).isEqualTo(content);
    }

    @Test
    void eachChoiceHasItsOwnConstraintAndLogprobsStayRaw() throws Exception {
        String schema = SCHEMAS.get(0);
        ObjectNode body = jsonSchemaRequest(schema, 5).put("n", 3).put("logprobs", true).put("top_logprobs", 2);
        TestServer.Answer a = s.post("/v1/chat/completions", body);
        assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
        for (JsonNode c : a.body().get("choices")) {
            assertThat(new JsonSchemaCheck(schema).errors(c.get("message").get("content").asText())).isNull();
            // The model's own distribution: the chosen (allowed) token is usually not its most likely one.
            assertThat(c.get("logprobs").get("content").size()).isPositive();
        }
    }

    @Test
    void theModelCardListsTheParameters() throws Exception {
        String params = s.get("/v1/models/tiny").body().get("supported_parameters").toString();
        assertThat(params).contains("\"response_format\"", "\"structured_outputs\"", "\"tools\"", "\"tool_choice\"", "\"parallel_tool_calls\"");
    }

    @Test
    void unsupportedKeywordsAndHostileSchemasAreRefused() throws Exception {
        TestServer.Answer a = s.post("/v1/chat/completions", jsonSchemaRequest("{\"type\": \"object\", \"not\": {\"required\": [\"a\"]}}", 1));
        ChatCompletionsTest.assertError(a, 400, "response_format");
        assertThat(a.body().get("error").get("message").asText()).contains("not");
        a = s.post("/v1/chat/completions", jsonSchemaRequest("{\"type\": \"object\", \"patternProperties\": {\"^x\": {}}}", 1));
        ChatCompletionsTest.assertError(a, 400, "response_format");
        assertThat(a.body().get("error").get("message").asText()).contains("patternProperties");
        // Beyond the engine's bounds (nesting 128, enum 10k values); deeper than 200 the HTTP layer already refuses the body.
        String deep = "{\"type\": \"array\", \"items\": ".repeat(150) + "{}" + "}".repeat(150);
        ChatCompletionsTest.assertError(s.post("/v1/chat/completions", jsonSchemaRequest(deep, 1)), 400, "response_format");
        StringBuilder hugeEnum = new StringBuilder("{\"enum\": [");
        for (int i = 0; i < 20_000; i++) hugeEnum.append(i == 0 ? "" : ",").append('"').append("v").append(i).append('"');
        ChatCompletionsTest.assertError(s.post("/v1/chat/completions", jsonSchemaRequest(hugeEnum.append("]}").toString(), 1)), 400, "response_format");
        ObjectNode vllm = request(1);
        vllm.putObject("structured_outputs").set("json", TestServer.JSON.readTree("{\"if\": {}, \"then\": {}}"));
        ChatCompletionsTest.assertError(s.post("/v1/chat/completions", vllm), 400, "structured_outputs");
        ObjectNode both = jsonSchemaRequest(SCHEMAS.get(0), 1);
        both.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "f");
        ChatCompletionsTest.assertError(s.post("/v1/chat/completions", both), 400, "response_format");
    }

    @Test
    void schemasOverTheCompileBudgetAreA400NamingTheParameterAndStayCheap() throws Exception {
        // One number lexeme per distinct value inside 10k object values: more than the 3 s budget to compile.
        String schema = overBudget(0);
        long t0 = System.nanoTime();
        TestServer.Answer a = s.post("/v1/chat/completions", jsonSchemaRequest(schema, 1));
        long firstMs = (System.nanoTime() - t0) / 1_000_000;
        ChatCompletionsTest.assertError(a, 400, "response_format");
        assertThat(a.body().get("error").get("message").asText()).contains("budget");
        assertThat(firstMs).isLessThan(6_000);
        t0 = System.nanoTime();
        ChatCompletionsTest.assertError(s.post("/v1/chat/completions", jsonSchemaRequest(schema, 2)), 400, "response_format");
        assertThat((System.nanoTime() - t0) / 1_000_000).as("the same schema again is refused from the cache").isLessThan(1_500);

        ObjectNode tools = request(1).put("tool_choice", "required");
        tools.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "f")
                .set("parameters", TestServer.JSON.readTree("{\"type\": \"object\", \"properties\": {\"v\": " + overBudget(1_000_000) + "}, \"required\": [\"v\"]}"));
        t0 = System.nanoTime();
        a = s.post("/v1/chat/completions", tools);
        ChatCompletionsTest.assertError(a, 400, "tools");
        assertThat(a.body().get("error").get("message").asText()).contains("budget");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(6_000);
    }

    /**
     * An enum of 10k objects, one number lexeme per distinct value: more than the 3 s budget to compile. Values
     * from {@code from}, so that two such schemas share no lexeme a cache could keep.
     */
    private static String overBudget(int from) {
        StringBuilder objects = new StringBuilder("{\"enum\": [");
        for (int i = from; i < from + 10_000; i++) {
            objects.append(i > from ? "," : "").append("{\"a\":").append(i).append(",\"b\":").append(i * 7 + 0.5).append('}');
        }
        return objects.append("]}").toString();
    }
}
