package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.kv.PagedKvCache;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tool calls over HTTP on the tiny random-weight model: the grammar makes every required or named call a
 * well-formed call of a declared function with arguments valid for its parameters.
 */
class ToolCallsTest {
    static TestServer s;

    /** Tool sets: each a JSON array of OpenAI function tools (parameters bounded so a random model ends). */
    static final List<String> TOOL_SETS = List.of(
            """
            [{"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city",
              "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 10}, "unit": {"enum": ["c", "f"]}},
              "required": ["city", "unit"], "additionalProperties": false}}}]""",
            """
            [{"type": "function", "function": {"name": "search", "parameters": {"type": "object", "properties":
              {"query": {"type": "string", "maxLength": 12}, "limit": {"type": "integer", "minimum": 1, "maximum": 10}},
              "required": ["query"], "additionalProperties": false}}},
             {"type": "function", "function": {"name": "calc", "parameters": {"type": "object", "properties":
              {"expr": {"type": "string", "pattern": "^[0-9+*-]{1,8}$"}}, "required": ["expr"], "additionalProperties": false}}}]""",
            """
            [{"type": "function", "function": {"name": "set_flags", "parameters": {"type": "object", "properties":
              {"flags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "maxItems": 3}, "on": {"type": "boolean"}},
              "required": ["flags", "on"], "additionalProperties": false}}},
             {"type": "function", "function": {"name": "ping", "parameters": {"type": "object", "properties": {}, "additionalProperties": false}}},
             {"type": "function", "function": {"name": "move", "parameters": {"type": "object", "properties":
              {"to": {"type": "object", "properties": {"x": {"type": "integer", "minimum": -5, "maximum": 5}, "y": {"type": "number", "minimum": 0, "maximum": 1}},
               "required": ["x", "y"], "additionalProperties": false}}, "required": ["to"], "additionalProperties": false}}}]""");

    static final long[] SEEDS = {1, 2, 3};

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer("models/qwen3vl-tiny-Q8_0.gguf", List.of("tiny"), EngineConfig.builder(2048).parallel(4).maxQueued(8).stepTokenBudget(256).kvStorage(PagedKvCache.Storage.F16).build(),
                ApiServer.Options.defaults());
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static ObjectNode request(String tools, JsonNode toolChoice, long seed) throws Exception {
        ObjectNode body = TestServer.JSON.createObjectNode().put("model", "tiny").put("temperature", 1.0).put("seed", seed).put("max_tokens", 1500);
        body.putArray("messages").addObject().put("role", "user").put("content", "What's the weather in Paris?");
        body.set("tools", TestServer.JSON.readTree(tools));
        if (toolChoice != null) body.set("tool_choice", toolChoice);
        return body;
    }

    static JsonNode named(String name) {
        ObjectNode c = TestServer.JSON.createObjectNode().put("type", "function");
        c.putObject("function").put("name", name);
        return c;
    }

    /** Checks every call against its function's parameters; returns the calls. */
    static JsonNode assertValidCalls(JsonNode message, String tools) throws Exception {
        Map<String, JsonSchemaCheck> checks = new HashMap<>();
        for (JsonNode t : TestServer.JSON.readTree(tools)) {
            checks.put(t.get("function").get("name").asText(), new JsonSchemaCheck(t.get("function").get("parameters").toString()));
        }
        JsonNode calls = message.get("tool_calls");
        for (JsonNode call : calls) {
            assertThat(call.get("id").asText()).startsWith("call_");
            assertThat(call.get("type").asText()).isEqualTo("function");
            String name = call.get("function").get("name").asText();
            assertThat(checks).containsKey(name);
            String args = call.get("function").get("arguments").asText();
            assertThat(checks.get(name).errors(args)).as(name + " " + args).isNull();
        }
        return calls;
    }

    @Tag("slow")
    @Test
    void requiredAndNamedCallsCarryValidArguments() throws Exception {
        int calls = 0;
        for (String tools : TOOL_SETS) {
            List<JsonNode> choices = new ArrayList<>();
            choices.add(TestServer.JSON.getNodeFactory().textNode("required"));
            for (JsonNode t : TestServer.JSON.readTree(tools)) choices.add(named(t.get("function").get("name").asText()));
            for (JsonNode choice : choices) {
                for (long seed : SEEDS) {
                    TestServer.Answer a = s.post("/v1/chat/completions", request(tools, choice, seed));
                    assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
                    JsonNode c = a.body().get("choices").get(0);
                    JsonNode found = assertValidCalls(c.get("message"), tools);
                    assertThat(found.size()).as(a.raw().body()).isPositive();
                    assertThat(c.get("finish_reason").asText()).isEqualTo("tool_calls");
                    assertThat(c.get("message").get("content").isNull()).as(a.raw().body()).isTrue();
                    if (choice.isObject()) {
                        for (JsonNode call : found) assertThat(call.get("function").get("name").asText()).isEqualTo(choice.get("function").get("name").asText());
                    }
                    calls += found.size();
                }
            }
        }
        assertThat(calls).isGreaterThanOrEqualTo(3 * (2 + 3 + 4));
    }

    @Tag("slow")
    @Test
    void callsCutByMaxTokensLeakNoTagText() throws Exception {
        String tools = TOOL_SETS.getFirst();
        for (int max = 1; max <= 20; max++) {
            ObjectNode body = request(tools, TestServer.JSON.getNodeFactory().textNode("required"), max).put("max_tokens", max);
            TestServer.Answer a = s.post("/v1/chat/completions", body);
            assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
            JsonNode c = a.body().get("choices").get(0);
            assertThat(c.get("message").get("content").asText("")).as(a.raw().body()).doesNotContain("tool_call").doesNotContain("{");
            TestServer.Answer streamed = s.post("/v1/chat/completions", body.deepCopy().put("stream", true));
            StringBuilder content = new StringBuilder();
            for (JsonNode e : TestServer.events(streamed.raw().body())) {
                if (e.isObject() && !e.get("choices").isEmpty()) content.append(e.get("choices").get(0).path("delta").path("content").asText(""));
            }
            assertThat(content.toString()).as(streamed.raw().body()).doesNotContain("tool_call").doesNotContain("{");
        }
    }

    @Test
    void aNamedChoiceIsExactlyOneCallEvenWithParallelCalls() throws Exception {
        for (String tools : TOOL_SETS) {
            for (JsonNode t : TestServer.JSON.readTree(tools)) {
                String name = t.get("function").get("name").asText();
                for (long seed : SEEDS) {
                    TestServer.Answer a = s.post("/v1/chat/completions", request(tools, named(name), seed).put("parallel_tool_calls", true));
                    assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
                    JsonNode found = assertValidCalls(a.body().get("choices").get(0).get("message"), tools);
                    assertThat(found.size()).as(a.raw().body()).isEqualTo(1);
                    assertThat(found.get(0).get("function").get("name").asText()).isEqualTo(name);
                }
            }
        }
    }

    @Test
    void parallelFalseGivesExactlyOneCall() throws Exception {
        for (String tools : TOOL_SETS) {
            for (long seed : SEEDS) {
                ObjectNode body = request(tools, TestServer.JSON.getNodeFactory().textNode("required"), seed).put("parallel_tool_calls", false);
                TestServer.Answer a = s.post("/v1/chat/completions", body);
                assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
                JsonNode c = a.body().get("choices").get(0);
                assertThat(assertValidCalls(c.get("message"), tools).size()).isEqualTo(1);
                assertThat(c.get("native_finish_reason").asText()).isEqualTo("constraint_complete");
            }
        }
    }

    @Test
    void noneNeverCallsAndAutoCallsOnlyValidly() throws Exception {
        String tools = TOOL_SETS.get(0);
        for (long seed : SEEDS) {
            ObjectNode none = request(tools, TestServer.JSON.getNodeFactory().textNode("none"), seed).put("max_tokens", 40);
            // Bias toward the call token: "none" must still never produce one.
            none.putObject("logit_bias").put(Integer.toString(s.model.tokenize("<tool_call>", true)[0]), 100);
            TestServer.Answer a = s.post("/v1/chat/completions", none);
            assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
            JsonNode m = a.body().get("choices").get(0).get("message");
            assertThat(m.get("tool_calls").size()).isZero();
            assertThat(m.get("content").asText()).doesNotContain("<tool_call>");
            assertThat(a.body().get("choices").get(0).get("finish_reason").asText()).isNotEqualTo("tool_calls");

            // One call at most, else the bias would make it call again and again.
            ObjectNode auto = request(tools, TestServer.JSON.getNodeFactory().textNode("auto"), seed).put("max_tokens", 200).put("parallel_tool_calls", false);
            auto.putObject("logit_bias").put(Integer.toString(s.model.tokenize("<tool_call>", true)[0]), 100);
            a = s.post("/v1/chat/completions", auto);
            assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
            JsonNode c = a.body().get("choices").get(0);
            assertThat(assertValidCalls(c.get("message"), tools).size()).as(a.raw().body()).isPositive();
            assertThat(c.get("finish_reason").asText()).isEqualTo("tool_calls");
        }
    }

    @Tag("slow")
    @Test
    void streamingReassemblesToTheSameCalls() throws Exception {
        for (String tools : TOOL_SETS) {
            ObjectNode body = request(tools, TestServer.JSON.getNodeFactory().textNode("required"), 11);
            JsonNode whole = s.post("/v1/chat/completions", body).body().get("choices").get(0);
            TestServer.Answer streamed = s.post("/v1/chat/completions", body.deepCopy().put("stream", true));
            List<String[]> calls = new ArrayList<>(); // id, name, arguments
            StringBuilder content = new StringBuilder();
            String finish = null;
            for (JsonNode e : TestServer.events(streamed.raw().body())) {
                if (!e.isObject() || e.get("choices").isEmpty()) continue;
                JsonNode ch = e.get("choices").get(0);
                content.append(ch.path("delta").path("content").asText(""));
                for (JsonNode t : ch.path("delta").path("tool_calls")) {
                    int index = t.get("index").asInt();
                    if (index == calls.size()) {
                        assertThat(t.get("id").asText()).startsWith("call_");
                        assertThat(t.get("type").asText()).isEqualTo("function");
                        calls.add(new String[] {t.get("id").asText(), t.get("function").get("name").asText(), ""});
                    } else {
                        assertThat(t.has("id")).isFalse();
                    }
                    calls.get(index)[2] += t.get("function").get("arguments").asText();
                }
                if (!ch.path("finish_reason").isNull() && ch.has("finish_reason")) finish = ch.get("finish_reason").asText();
            }
            assertThat(content.toString()).isEmpty();
            assertThat(finish).isEqualTo("tool_calls");
            JsonNode expected = whole.get("message").get("tool_calls");
            assertThat(calls).hasSize(expected.size());
            for (int i = 0; i < calls.size(); i++) {
                assertThat(calls.get(i)[1]).isEqualTo(expected.get(i).get("function").get("name").asText());
                assertThat(calls.get(i)[2]).isEqualTo(expected.get(i).get("function").get("arguments").asText());
            }
        }
    }

    @Test
    void toolResultsGoBackThroughTheTemplate() throws Exception {
        ObjectNode body = TestServer.JSON.createObjectNode().put("model", "tiny");
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "user").put("content", "Weather in Paris?");
        ObjectNode assistant = messages.addObject().put("role", "assistant").putNull("content");
        ObjectNode call = assistant.putArray("tool_calls").addObject().put("id", "call_1").put("type", "function");
        call.putObject("function").put("name", "get_weather").put("arguments", "{\"city\": \"Paris\", \"unit\": \"c\"}");
        messages.addObject().put("role", "tool").put("tool_call_id", "call_1").put("content", "18 degrees");
        body.set("tools", TestServer.JSON.readTree(TOOL_SETS.get(0)));
        TestServer.Answer a = s.post("/tokenize", body);
        assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
        int[] ids = TestServer.JSON.convertValue(a.body().get("tokens"), int[].class);
        String prompt = s.model.detokenize(ids);
        assertThat(prompt).contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"")
                .contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"c\"}}\n</tool_call>")
                .contains("<|im_start|>user\n<tool_response>\n18 degrees\n</tool_response><|im_end|>");
        // And a chat completion continues from there.
        body.put("max_tokens", 4);
        assertThat(s.post("/v1/chat/completions", body).status()).isEqualTo(200);
    }

    @Tag("slow")
    @Test
    void theOpenAiSdkReadsToolCalls() throws Exception {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + s.server.port() + "/v1").apiKey("x").maxRetries(0).build();
        try {
            FunctionParameters params = FunctionParameters.builder()
                    .putAdditionalProperty("type", JsonValue.from("object"))
                    .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string", "maxLength", 10))))
                    .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                    .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                    .build();
            ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model("tiny")
                    .addUserMessage("Weather in Paris?").maxCompletionTokens(500).temperature(1.0).seed(4)
                    .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather").parameters(params).build()).build())
                    .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED)
                    .build());
            ChatCompletion.Choice choice = c.choices().getFirst();
            assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
            List<ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
            assertThat(calls).isNotEmpty();
            var f = calls.getFirst().asFunction();
            assertThat(f.id()).startsWith("call_");
            assertThat(f.function().name()).isEqualTo("get_weather");
            assertThat(TestServer.JSON.readTree(f.function().arguments()).get("city").isTextual()).isTrue();
        } finally {
            client.close();
        }
    }
}
