package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.api.ChatBackend;
import io.qwen4j.api.ChatCompletionRequest;
import io.qwen4j.api.ChoiceDelta;
import io.qwen4j.api.ChoiceEnd;
import io.qwen4j.api.FinishReason;
import io.qwen4j.api.CompletionRequest;
import io.qwen4j.api.GenerationListener;
import io.qwen4j.api.GenerationStream;
import io.qwen4j.api.ModelCapabilities;
import io.qwen4j.api.ModelCard;
import io.qwen4j.api.ModelCatalogue;
import io.qwen4j.api.Usage;
import io.qwen4j.gateway.Gateway;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** One server over two backends: requests go to the backend serving their model, whatever it is. */
class CatalogueRoutingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A backend that answers every request with its own text; no tokenizer, text only. */
    record Canned(String model, String text) implements ChatBackend {
        @Override
        public List<ModelCard> models() {
            return List.of(new ModelCard(model, 0, "test", 64, 63, ModelCapabilities.TEXT, List.of("max_tokens"), "test"));
        }

        @Override
        public GenerationStream chat(ChatCompletionRequest request, GenerationListener listener) {
            return answer(listener);
        }

        @Override
        public GenerationStream complete(CompletionRequest request, GenerationListener listener) {
            return answer(listener);
        }

        private GenerationStream answer(GenerationListener listener) {
            listener.onAdmit(1, 1);
            listener.onDelta(0, new ChoiceDelta(text, "", List.of()));
            listener.onChoiceEnd(0, new ChoiceEnd(FinishReason.STOP, "eos", null));
            listener.onComplete(new Usage(1, 0, 1));
            return () -> {
            };
        }

        @Override
        public String systemFingerprint() {
            return "fp_" + model;
        }
    }

    private record Answer(int status, JsonNode body) {
    }

    private static Answer send(ApiServer server, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    @Test
    void routesByModelListsTheUnionAndRefusesWhatAModelCannotDo() throws Exception {
        ModelCatalogue catalogue = ModelCatalogue.of(new Canned("alpha", "from alpha"), new Canned("beta", "from beta"));
        try (ApiServer server = new ApiServer(catalogue, ApiServer.Options.defaults(), Gateway.unmetered()).start("127.0.0.1", 0)) {
            Answer models = send(server, "GET", "/v1/models", null);
            assertThat(models.body().get("data").findValuesAsText("id")).containsExactly("alpha", "beta");
            assertThat(send(server, "GET", "/v1/models/beta", null).body().get("architecture").get("tokenizer").asText()).isEqualTo("test");

            Answer chat = send(server, "POST", "/v1/chat/completions",
                    "{\"model\": \"beta\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
            assertThat(chat.status()).isEqualTo(200);
            assertThat(chat.body().get("choices").get(0).get("message").get("content").asText()).isEqualTo("from beta");
            assertThat(chat.body().get("system_fingerprint").asText()).isEqualTo("fp_beta");
            Answer text = send(server, "POST", "/v1/completions", "{\"model\": \"alpha\", \"prompt\": \"hi\"}");
            assertThat(text.body().get("choices").get(0).get("text").asText()).isEqualTo("from alpha");

            Answer unknown = send(server, "POST", "/v1/chat/completions",
                    "{\"model\": \"gamma\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.body().get("error").get("code").asText()).isEqualTo("model_not_found");

            Answer image = send(server, "POST", "/v1/chat/completions", "{\"model\": \"alpha\", \"messages\": [{\"role\": \"user\", \"content\": "
                    + "[{\"type\": \"image_url\", \"image_url\": {\"url\": \"https://example.com/a.png\"}}]}]}");
            assertThat(image.status()).isEqualTo(400);
            assertThat(image.body().get("error").get("param").asText()).isEqualTo("messages[0].content[0]");
            Answer logprobs = send(server, "POST", "/v1/chat/completions",
                    "{\"model\": \"alpha\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"logprobs\": true}");
            assertThat(logprobs.body().get("error").get("param").asText()).isEqualTo("logprobs");

            Answer tokenize = send(server, "POST", "/tokenize", "{\"model\": \"beta\", \"prompt\": \"hi\"}");
            assertThat(tokenize.status()).isEqualTo(404);
            assertThat(send(server, "POST", "/tokenize", "{\"model\": \"gamma\", \"prompt\": \"hi\"}").body().get("error").get("code").asText())
                    .isEqualTo("model_not_found");
        }
    }
}
