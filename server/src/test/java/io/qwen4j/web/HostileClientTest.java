package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.api.ChatMessage;
import io.qwen4j.kv.PagedKvCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a hostile client or a web page meets: bodies the API refuses as OpenAI does (naming the parameter), no
 * browser access to a keyless server, CORS only for configured origins, and Jetty's own errors in OpenAI's shape.
 */
class HostileClientTest {
    static TestServer server;
    static final String ORIGIN = "https://console.example";

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer("models/qwen3vl-tiny-Q8_0.gguf", java.util.List.of("tiny"),
                io.qwen4j.engine.EngineConfig.builder(1024).parallel(2).kvStorage(PagedKvCache.Storage.F16).build(),
                ApiServer.Options.defaults().withCorsOrigins(Set.of(ORIGIN)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Stream<Arguments> refusedBodies() {
        String many = "{\"role\": \"user\", \"content\": \"x\"},".repeat(ChatMessage.MAX_MESSAGES + 1);
        return Stream.of(
                Arguments.of("a duplicated key", "{\"model\": \"tiny\", \"model\": \"other\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", "model"),
                Arguments.of("trailing bytes", "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]} {}", null),
                Arguments.of("role wizard", "{\"model\": \"tiny\", \"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}", "messages[0].role"),
                Arguments.of("user content null", "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": null}]}", "messages[0].content"),
                Arguments.of("user content missing", "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\"}]}", "messages[0].content"),
                Arguments.of("json_schema without name", "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                        + " \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"schema\": {\"type\": \"object\"}}}}", "response_format.json_schema.name"),
                Arguments.of("logit_bias beyond the vocabulary", "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                        + " \"logit_bias\": {\"999999\": 5}}", "logit_bias"),
                Arguments.of("too many messages", "{\"model\": \"tiny\", \"messages\": [" + many + "{\"role\": \"user\", \"content\": \"x\"}]}", "messages"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedBodies")
    void refusedAsOpenAiDoesNamingTheParameter(String what, String body, String param) throws Exception {
        long t0 = System.nanoTime();
        TestServer.Answer a = server.post("/v1/chat/completions", body);
        assertThat(a.status()).as(a.raw().body()).isEqualTo(400);
        assertThat(a.body().path("error").path("param").isNull() ? null : a.body().path("error").path("param").asText()).isEqualTo(param);
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds to refuse").isLessThan(5);
    }

    @Test
    void aBodyThatIsNotJsonIsRefusedBeforeAnyWork() throws Exception {
        int reports = server.usage.size();
        Raw r = raw("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nConnection: close\r\n",
                "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertThat(r.status()).isEqualTo(415);
        assertThat(r.json().path("error").path("code").asText()).isEqualTo("unsupported_media_type");
        assertThat(server.usage).as("not even parsed as a generation request").hasSize(reports);
    }

    @Test
    void aKeylessLoopbackServerAnswersOnlyLoopbackHosts() throws Exception {
        String body = "{\"model\": \"tiny\", \"max_tokens\": 1, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}";
        for (String host : new String[] {"evil.example", "evil.example:" + server.server.port(), "192.168.1.10"}) {
            Raw r = raw("POST /v1/chat/completions HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nConnection: close\r\n", body);
            assertThat(r.status()).as(host).isEqualTo(403);
            assertThat(r.json().path("error").path("code").asText()).isEqualTo("host_not_allowed");
        }
        for (String host : new String[] {"localhost:" + server.server.port(), "127.0.0.1", "[::1]:8080"}) {
            assertThat(raw("GET /v1/models HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n", null).status()).as(host).isEqualTo(200);
        }
    }

    @Test
    void corsOnlyForConfiguredOrigins() throws Exception {
        Raw allowed = raw("GET /v1/models HTTP/1.1\r\nHost: localhost\r\nOrigin: " + ORIGIN + "\r\nConnection: close\r\n", null);
        assertThat(allowed.head()).containsIgnoringCase("Access-Control-Allow-Origin: " + ORIGIN);
        Raw other = raw("GET /v1/models HTTP/1.1\r\nHost: localhost\r\nOrigin: https://evil.example\r\nConnection: close\r\n", null);
        assertThat(other.status()).isEqualTo(200);
        assertThat(other.head()).doesNotContainIgnoringCase("Access-Control-Allow-Origin");
        Raw preflight = raw("OPTIONS /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nOrigin: " + ORIGIN
                + "\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: authorization, content-type\r\nConnection: close\r\n", null);
        assertThat(preflight.status()).isEqualTo(204);
        assertThat(preflight.head()).containsIgnoringCase("Access-Control-Allow-Headers: Authorization, Content-Type");
        assertThat(preflight.head()).containsIgnoringCase("Access-Control-Allow-Origin: " + ORIGIN);
        Raw refused = raw("OPTIONS /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nOrigin: https://evil.example\r\n"
                + "Access-Control-Request-Method: POST\r\nConnection: close\r\n", null);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.head()).doesNotContainIgnoringCase("Access-Control-Allow-Origin");
    }

    @Test
    void jettysOwnErrorsAreOpenAiShapedJson() throws Exception {
        Raw tooLarge = raw("GET /v1/models HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\nConnection: close\r\n", null);
        assertThat(tooLarge.status()).isEqualTo(431);
        assertThat(tooLarge.head()).containsIgnoringCase("Content-Type: application/json");
        assertThat(tooLarge.json().path("error").path("message").asText()).isNotEmpty();
        Raw badUri = raw("GET /v1/%00models HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n", null);
        assertThat(badUri.status()).isEqualTo(400);
        assertThat(badUri.head()).containsIgnoringCase("Content-Type: application/json");
        assertThat(badUri.json().path("error").path("type").asText()).isEqualTo("invalid_request_error");
    }

    record Raw(int status, String head, String body) {
        JsonNode json() throws Exception {
            return TestServer.JSON.readTree(body);
        }
    }

    /** One request over a plain socket: headers the JDK's client would not send (Host), malformed requests. */
    static Raw raw(String head, String body) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.server.port())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            out.write((head + (body == null ? "" : "Content-Length: " + b.length + "\r\n") + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(b);
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int split = all.indexOf("\r\n\r\n");
            String h = split < 0 ? all : all.substring(0, split);
            String rest = split < 0 ? "" : all.substring(split + 4);
            if (h.toLowerCase().contains("transfer-encoding: chunked")) rest = unchunk(rest);
            return new Raw(Integer.parseInt(h.split(" ", 3)[1]), h, rest);
        }
    }

    private static String unchunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < chunked.length()) {
            int eol = chunked.indexOf("\r\n", i);
            int n = Integer.parseInt(chunked.substring(i, eol).strip(), 16);
            if (n == 0) break;
            out.append(chunked, eol + 2, eol + 2 + n);
            i = eol + 2 + n + 2;
        }
        return out.toString();
    }
}
