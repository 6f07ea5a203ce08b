package io.qwen4j.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.api.ModelCatalogue;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.local.LocalBackend;
import io.qwen4j.local.LocalModel;
import io.qwen4j.store.Database;
import io.qwen4j.store.NewApiKey;
import io.qwen4j.store.TestStores;
import io.qwen4j.web.ApiServer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** ApiServer behind the gateway: keys and rate limits on every endpoint, generation reserved, charged and recorded. */
class ApiServerAuthTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> post(int port, String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Hello\"}"));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void tokenizeNeedsAKeyOnceKeysExistAndReportsRateLimits() throws Exception {
        Path model = Path.of(System.getProperty("qwen4j.testdata", "../testdata"), "models/qwen3vl-tiny-Q8_0.gguf");
        try (Database db = TestStores.open("sqlite");
             LocalModel loaded = LocalModel.load(model, null, null);
             LocalBackend backend = LocalBackend.start(loaded, EngineConfig.builder(512).parallel(1).maxQueued(4).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F32).build(), 1);
             Gateway gateway = Gateway.open(db, Gateway.Settings.defaults());
             ApiServer server = new ApiServer(ModelCatalogue.of(backend), ApiServer.Options.defaults(), gateway).start("127.0.0.1", 0)) {
            int port = server.port();
            assertThat(post(port, "/tokenize", null).statusCode()).as("no keys yet: local open mode").isEqualTo(200);

            KeySecret k = KeySecret.generate();
            gateway.keys().create(new NewApiKey("t", BigDecimal.ONE, "CNY", null, 2, null, null), k.hash(), k.prefix(), Instant.now());
            HttpResponse<String> refused = post(port, "/tokenize", null);
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.body()).contains("\"code\":\"invalid_api_key\"");
            HttpResponse<String> ok = post(port, "/tokenize", k.secret());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("x-ratelimit-remaining-requests")).contains("1");
            assertThat(ok.headers().firstValue("x-request-id").orElseThrow()).startsWith("req_");
            assertThat(post(port, "/tokenize", k.secret()).statusCode()).isEqualTo(200);
            HttpResponse<String> limited = post(port, "/tokenize", k.secret());
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("Retry-After")).isPresent();
            assertThat(limited.body()).contains("rate_limit_exceeded");

            HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void chatCompletionsAreReservedChargedExactlyAndRecorded() throws Exception {
        Path model = Path.of(System.getProperty("qwen4j.testdata", "../testdata"), "models/qwen3vl-tiny-Q8_0.gguf");
        String name = "qwen/qwen3-vl-32b-instruct"; // priced by default at 0.0045 in, 0.014 out per 1,000 tokens
        ObjectMapper json = new ObjectMapper();
        try (Database db = TestStores.open("sqlite");
             LocalModel loaded = LocalModel.load(model, null, java.util.List.of(name));
             LocalBackend backend = LocalBackend.start(loaded, EngineConfig.builder(512).parallel(2).maxQueued(4).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F32).build(), 1);
             Gateway gateway = Gateway.open(db, Gateway.Settings.defaults());
             ApiServer server = new ApiServer(ModelCatalogue.of(backend), ApiServer.Options.defaults(), gateway).start("127.0.0.1", 0)) {
            KeySecret k = KeySecret.generate();
            var key = gateway.keys().create(new NewApiKey("buyer", new BigDecimal("0.001"), "CNY", null, null, null, null), k.hash(), k.prefix(), Instant.now());
            String body = "{\"model\": \"" + name + "\", \"max_tokens\": 8, \"messages\": [{\"role\": \"user\", \"content\": \"你好\"}]}";
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + k.secret()).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode usage = json.readTree(r.body()).get("usage");
            int prompt = usage.get("prompt_tokens").asInt(), completion = usage.get("completion_tokens").asInt();
            assertThat(completion).isEqualTo(8);
            BigDecimal expected = new BigDecimal("0.0045").multiply(BigDecimal.valueOf(prompt))
                    .add(new BigDecimal("0.014").multiply(BigDecimal.valueOf(completion))).divide(BigDecimal.valueOf(1000));
            assertThat(new BigDecimal(usage.get("cost").asText())).isEqualByComparingTo(expected);
            var after = gateway.keys().find(key.id()).orElseThrow();
            assertThat(after.balance()).isEqualByComparingTo(new BigDecimal("0.001").subtract(expected));
            assertThat(after.reserved()).isEqualByComparingTo(BigDecimal.ZERO);
            assertThat(gateway.ledger().check().clean()).isTrue();

            // A request whose worst case exceeds what is left is refused before any work, with 402.
            String big = body.replace("\"max_tokens\": 8", "\"max_tokens\": 480");
            HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + k.secret()).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(402);
            assertThat(refused.body()).contains("insufficient_quota");
            assertThat(gateway.keys().find(key.id()).orElseThrow().balance()).isEqualByComparingTo(after.balance());

            // /v1/models shows the price.
            HttpResponse<String> models = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/models"))
                    .header("Authorization", "Bearer " + k.secret()).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode pricing = json.readTree(models.body()).get("data").get(0).get("pricing");
            assertThat(pricing.get("input_per_1k").asText()).isEqualTo("0.0045");
            assertThat(pricing.get("output_per_1k").asText()).isEqualTo("0.014");
            assertThat(pricing.get("currency").asText()).isEqualTo("CNY");
        }
    }

    @Test
    void aPromptServedFromThePrefixCacheIsChargedAtTheCachedInputPrice() throws Exception {
        Path model = Path.of(System.getProperty("qwen4j.testdata", "../testdata"), "models/qwen3vl-tiny-Q8_0.gguf");
        PriceTable prices = PriceTable.parse("""
                {"currency": "CNY", "models": {"m": {"input": "0.0045", "cached_input": "0.0009", "output": "0.014"}}}""");
        ObjectMapper json = new ObjectMapper();
        try (Database db = TestStores.open("sqlite");
             LocalModel loaded = LocalModel.load(model, null, java.util.List.of("m"));
             LocalBackend backend = LocalBackend.start(loaded, EngineConfig.builder(512).parallel(1).maxQueued(4).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F32).build(), 1);
             Gateway gateway = Gateway.open(db, Gateway.Settings.defaults().withPrices(prices));
             ApiServer server = new ApiServer(ModelCatalogue.of(backend), ApiServer.Options.defaults(), gateway).start("127.0.0.1", 0)) {
            KeySecret k = KeySecret.generate();
            var key = gateway.keys().create(new NewApiKey("buyer", new BigDecimal("1"), "CNY", null, null, null, null), k.hash(), k.prefix(), Instant.now());
            String body = "{\"model\": \"m\", \"max_tokens\": 4, \"messages\": [{\"role\": \"system\", \"content\": \"You answer questions"
                    + " about the train timetable of a small mountain railway, politely and in one sentence.\"}, {\"role\": \"user\","
                    + " \"content\": \"When is the last train?\"}]}";
            BigDecimal spent = BigDecimal.ZERO;
            for (int round = 0; round < 2; round++) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/chat/completions"))
                        .header("Authorization", "Bearer " + k.secret()).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                JsonNode usage = json.readTree(r.body()).get("usage");
                int prompt = usage.get("prompt_tokens").asInt(), completion = usage.get("completion_tokens").asInt();
                int cached = usage.get("prompt_tokens_details").get("cached_tokens").asInt();
                // KV blocks of 16; the last 4 prompt tokens are always computed.
                assertThat(cached).isEqualTo(round == 0 ? 0 : (prompt - 4) / 16 * 16).isLessThan(prompt);
                if (round == 1) assertThat(cached).isGreaterThanOrEqualTo(32);
                BigDecimal expected = new BigDecimal("0.0045").multiply(BigDecimal.valueOf(prompt - cached))
                        .add(new BigDecimal("0.0009").multiply(BigDecimal.valueOf(cached)))
                        .add(new BigDecimal("0.014").multiply(BigDecimal.valueOf(completion))).divide(BigDecimal.valueOf(1000));
                assertThat(new BigDecimal(usage.get("cost").asText())).isEqualByComparingTo(expected);
                spent = spent.add(expected);
            }
            assertThat(gateway.keys().find(key.id()).orElseThrow().balance()).isEqualByComparingTo(BigDecimal.ONE.subtract(spent));
            assertThat(gateway.ledger().check().clean()).isTrue();
        }
    }
}
