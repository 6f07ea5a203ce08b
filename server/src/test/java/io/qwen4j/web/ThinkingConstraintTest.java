package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.local.LocalBackend;
import io.qwen4j.local.LocalModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A thinking model (its prompt opens {@code <think>}) reasons freely; a response format constrains only the answer
 * after {@code </think>}, as vLLM applies it.
 */
class ThinkingConstraintTest {
    /** ChatML whose generation prompt opens the assistant's reasoning, as Qwen3's thinking templates do. */
    static final String THINKING_TEMPLATE = """
            {%- for m in messages %}<|im_start|>{{ m.role }}
            {{ m.content }}<|im_end|>
            {% endfor %}{%- if add_generation_prompt %}<|im_start|>assistant
            <think>
            {% endif %}""";

    @Test
    void theSchemaConstrainsTheAnswerNotTheReasoning(@TempDir Path dir) throws Exception {
        Path template = Files.writeString(dir.resolve("thinking.jinja"), THINKING_TEMPLATE);
        LocalModel model = LocalModel.load(TestServer.testdata("models/qwen3vl-tiny-Q8_0.gguf"), template, List.of("tiny"));
        int b = model.tokenizer().vocabulary().idOf("b").orElseThrow();
        int thinkEnd = model.tokenizer().vocabulary().idOf("</think>").orElseThrow();
        try (LocalBackend backend = LocalBackend.start(model, EngineConfig.builder(512).parallel(1).kvStorage(PagedKvCache.Storage.F32).build(), 1);
             ApiServer server = new ApiServer(backend, ApiServer.Options.defaults()).start("127.0.0.1", 0)) {
            String schema = "\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"answer\", \"schema\":"
                    + " {\"type\": \"object\", \"properties\": {\"ok\": {\"type\": \"boolean\"}}, \"required\": [\"ok\"], \"additionalProperties\": false}}}";
            // A bias forces "b": while reasoning nothing forbids it; the answer's schema would.
            JsonNode reasoning = chat(server, schema + ", \"max_tokens\": 6, \"logit_bias\": {\"" + b + "\": 100}");
            assertThat(reasoning.path("reasoning").asText()).as(reasoning.toString()).isEqualTo("bbbbbb");
            // Once </think> is out, the answer is exactly what the schema allows.
            JsonNode answer = chat(server, schema + ", \"max_tokens\": 40, \"logit_bias\": {\"" + thinkEnd + "\": 100}");
            assertThat(answer.path("reasoning").textValue()).isNullOrEmpty();
            assertThat(TestServer.JSON.readTree(answer.path("content").asText()).path("ok").isBoolean()).as(answer.toString()).isTrue();
        } finally {
            model.close();
        }
    }

    static JsonNode chat(ApiServer server, String extra) throws Exception {
        String body = "{\"model\": \"tiny\", \"temperature\": 0, \"messages\": [{\"role\": \"user\", \"content\": \"ok?\"}], " + extra + "}";
        var http = java.net.http.HttpClient.newHttpClient();
        var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.port() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestServer.JSON.readTree(r.body()).path("choices").get(0).path("message");
    }
}
