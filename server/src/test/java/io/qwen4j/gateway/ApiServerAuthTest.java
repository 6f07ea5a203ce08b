package io.qwen4j.gateway;

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

/** The existing endpoints of ApiServer behind the gateway: /tokenize needs a key and counts against the RPM. */
class ApiServerAuthTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> post(int port, String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Hello\"}"));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void tokenizeNeedsAKeyOnceKeysExistAndReportsRateLimits() throws Exception {
        Path model = Path.of(System.getProperty("qwen4j.testdata", "../testdata"), "models/qwen3vl-tiny-Q8_0.gguf");
        try (Database db = TestStores.open("sqlite");
             LocalModel loaded = LocalModel.load(model, null, null);
             Gateway gateway = Gateway.open(db, Gateway.Settings.defaults());
             ApiServer server = new ApiServer(loaded, gateway).start("127.0.0.1", 0)) {
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
}
