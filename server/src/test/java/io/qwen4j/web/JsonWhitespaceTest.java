package io.qwen4j.web;

import io.qwen4j.engine.EngineConfig;
import io.qwen4j.grammar.JsonSchemaOptions;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.local.LocalBackend;
import io.qwen4j.local.LocalModel;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The server's JSON bounds act: with {@code --json-max-indent -1} no sampled schema output holds a line break or a tab. */
class JsonWhitespaceTest {

    @Test
    void compactJsonHasNoLineBreaks() throws Exception {
        LocalModel model = LocalModel.load(TestServer.testdata("models/qwen3vl-tiny-Q8_0.gguf"), null, List.of("tiny"));
        JsonSchemaOptions compact = JsonSchemaOptions.DEFAULT.withMaxIndent(-1);
        try (LocalBackend backend = LocalBackend.start(model, null, EngineConfig.builder(512).parallel(2).kvStorage(PagedKvCache.Storage.F32).build(), 1, compact);
             ApiServer server = new ApiServer(backend, ApiServer.Options.defaults()).start("127.0.0.1", 0)) {
            HttpClient http = HttpClient.newHttpClient();
            for (int seed = 1; seed <= 6; seed++) {
                String body = "{\"model\": \"tiny\", \"seed\": " + seed + ", \"temperature\": 1.5, \"max_tokens\": 120, \"messages\": [{\"role\": \"user\","
                        + " \"content\": \"JSON please\"}], \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"a\", \"schema\":"
                        + " {\"type\": \"object\", \"properties\": {\"x\": {\"type\": \"string\"}, \"y\": {\"type\": \"array\", \"items\": {\"type\": \"integer\"}}},"
                        + " \"required\": [\"x\", \"y\"], \"additionalProperties\": false}}}}";
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/chat/completions"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                String content = TestServer.JSON.readTree(r.body()).path("choices").get(0).path("message").path("content").asText();
                assertThat(content.strip()).as("seed " + seed).startsWith("{");
                assertThat(content).as("seed " + seed).doesNotContain("\n").doesNotContain("\t"); // neither may appear raw inside a JSON string
            }
        } finally {
            model.close();
        }
    }
}
