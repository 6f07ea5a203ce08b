package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.api.UsageReport;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.kv.PagedKvCache;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The generation endpoints over HTTP on the tiny Q8_0 model: shapes, parameters acting, errors, streaming. */
class ChatCompletionsTest {
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer("models/qwen3vl-tiny-Q8_0.gguf", List.of("qwen/qwen3-vl-32b-instruct", "tiny"),
                EngineConfig.builder(1024).parallel(2).maxQueued(1).stepTokenBudget(64).kvStorage(PagedKvCache.Storage.F16).build(),
                ApiServer.Options.defaults().withMaxRequestBytes(1 << 20).withKeepAliveMillis(20));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static String chat(String extra) {
        String maxTokens = extra.contains("\"max_tokens\"") ? "" : ", \"max_tokens\": 8";
        return "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello! Who are you?\"}]" + maxTokens + extra + "}";
    }

    static void assertError(TestServer.Answer a, int status, String param) {
        assertThat(a.status()).as(a.raw().body()).isEqualTo(status);
        JsonNode e = a.body().get("error");
        assertThat(e.get("message").asText()).isNotBlank();
        assertThat(e.get("type").asText()).isNotBlank();
        if (param != null) assertThat(e.get("param").asText()).isEqualTo(param);
    }

    @Test
    void theSeedsCurlRequestAsWrittenGetsACompleteOpenAiResponse() throws Exception {
        TestServer.Answer a = s.post("/v1/chat/completions", "{\"model\": \"qwen/qwen3-vl-32b-instruct\", \"messages\": [{\"role\": \"user\", \"content\": \"你好\"}]}");
        assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
        JsonNode r = a.body();
        assertThat(r.get("id").asText()).startsWith("chatcmpl-");
        assertThat(r.get("object").asText()).isEqualTo("chat.completion");
        assertThat(r.get("model").asText()).isEqualTo("qwen/qwen3-vl-32b-instruct");
        assertThat(r.get("created").asLong()).isPositive();
        assertThat(r.get("system_fingerprint").asText()).startsWith("fp_");
        JsonNode c = r.get("choices").get(0);
        assertThat(c.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(c.get("message").get("content").isTextual()).isTrue();
        assertThat(c.get("message").has("refusal")).isTrue();
        assertThat(c.get("message").get("tool_calls").isArray()).isTrue();
        assertThat(c.get("finish_reason").asText()).isIn("stop", "length");
        assertThat(c.get("native_finish_reason").asText()).isIn("eos", "max_tokens");
        JsonNode u = r.get("usage");
        assertThat(u.get("total_tokens").asInt()).isEqualTo(u.get("prompt_tokens").asInt() + u.get("completion_tokens").asInt());
        assertThat(u.get("prompt_tokens_details").get("cached_tokens").asInt()).isZero();
        assertThat(u.get("completion_tokens_details").get("reasoning_tokens").asInt()).isZero();
    }

    @Test
    void maxTokensEndsWithLengthAndGreedyIsDeterministic() throws Exception {
        JsonNode a = s.post("/v1/chat/completions", chat(", \"temperature\": 0")).body();
        JsonNode b = s.post("/v1/chat/completions", chat(", \"temperature\": 0")).body();
        assertThat(a.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        assertThat(a.get("choices").get(0).get("native_finish_reason").asText()).isEqualTo("max_tokens");
        assertThat(a.get("usage").get("completion_tokens").asInt()).isEqualTo(8);
        assertThat(a.get("choices").get(0).get("message").get("content")).isEqualTo(b.get("choices").get(0).get("message").get("content"));
        // top_k 1 is greedy too.
        JsonNode k1 = s.post("/v1/chat/completions", chat(", \"temperature\": 1.5, \"top_k\": 1, \"seed\": 5")).body();
        assertThat(k1.get("choices").get(0).get("message").get("content")).isEqualTo(a.get("choices").get(0).get("message").get("content"));
    }

    @Test
    void seedReproducesAndNGivesSeveralChoices() throws Exception {
        String req = chat(", \"temperature\": 1.2, \"seed\": 42, \"n\": 3, \"max_tokens\": 12, \"ignore_eos\": true");
        JsonNode a = s.post("/v1/chat/completions", req).body(), b = s.post("/v1/chat/completions", req).body();
        assertThat(a.get("choices")).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(a.get("choices").get(i).get("index").asInt()).isEqualTo(i);
            assertThat(a.get("choices").get(i).get("message")).isEqualTo(b.get("choices").get(i).get("message"));
        }
        assertThat(a.get("usage").get("completion_tokens").asInt()).isEqualTo(36);
        assertThat(a.get("choices").get(0).get("message").get("content").asText())
                .isNotEqualTo(a.get("choices").get(1).get("message").get("content").asText());
    }

    @Test
    void stopStringsAreNeverEmitted() throws Exception {
        String full = s.post("/v1/chat/completions", chat(", \"temperature\": 0, \"max_tokens\": 24, \"ignore_eos\": true"))
                .body().get("choices").get(0).get("message").get("content").asText();
        String stop = full.substring(10, 13);
        JsonNode r = s.post("/v1/chat/completions", chat(", \"temperature\": 0, \"max_tokens\": 24, \"ignore_eos\": true, \"stop\": ["
                + TestServer.JSON.writeValueAsString(stop) + "]")).body();
        JsonNode c = r.get("choices").get(0);
        assertThat(c.get("message").get("content").asText()).isEqualTo(full.substring(0, full.indexOf(stop)));
        assertThat(c.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(c.get("native_finish_reason").asText()).isEqualTo("stop_sequence");
        assertThat(c.get("stop_reason").asText()).isEqualTo(stop);

        // Streamed: the same text, the stop string never appears in any delta.
        HttpResponse<String> sse = stream(chat(", \"temperature\": 0, \"max_tokens\": 24, \"ignore_eos\": true, \"stream\": true, \"stop\": "
                + TestServer.JSON.writeValueAsString(stop)));
        StringBuilder text = new StringBuilder();
        for (JsonNode e : TestServer.events(sse.body())) {
            if (e.isObject() && e.get("choices").size() > 0) text.append(e.get("choices").get(0).path("delta").path("content").asText(""));
        }
        assertThat(text.toString()).isEqualTo(full.substring(0, full.indexOf(stop)));
    }

    @Test
    void logprobsReportTheTokensAndTheirAlternatives() throws Exception {
        JsonNode c = s.post("/v1/chat/completions", chat(", \"temperature\": 0, \"logprobs\": true, \"top_logprobs\": 3")).body().get("choices").get(0);
        JsonNode content = c.get("logprobs").get("content");
        assertThat(content).hasSize(8);
        StringBuilder joined = new StringBuilder();
        for (JsonNode t : content) {
            assertThat(t.get("logprob").asDouble()).isLessThanOrEqualTo(0);
            assertThat(t.get("bytes").isArray()).isTrue();
            assertThat(t.get("top_logprobs")).hasSize(3);
            assertThat(t.get("top_logprobs").get(0).get("token").asText()).isEqualTo(t.get("token").asText()); // greedy
            joined.append(t.get("token").asText());
        }
        assertThat(joined.toString()).isEqualTo(c.get("message").get("content").asText());
        assertThat(s.post("/v1/chat/completions", chat("")).body().get("choices").get(0).get("logprobs").isNull()).isTrue();
    }

    @Test
    void streamingSendsRoleContentFinishUsageAndDone() throws Exception {
        HttpResponse<String> r = stream(chat(", \"stream\": true, \"stream_options\": {\"include_usage\": true}, \"temperature\": 0"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<JsonNode> ev = TestServer.events(r.body());
        assertThat(ev.getFirst().get("choices").get(0).get("delta").get("role").asText()).isEqualTo("assistant");
        assertThat(ev.getLast().asText()).isEqualTo("[DONE]");
        JsonNode usage = ev.get(ev.size() - 2);
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.get("usage").get("completion_tokens").asInt()).isEqualTo(8);
        JsonNode fin = ev.get(ev.size() - 3).get("choices").get(0);
        assertThat(fin.get("finish_reason").asText()).isEqualTo("length");
        StringBuilder text = new StringBuilder();
        for (JsonNode e : ev.subList(0, ev.size() - 3)) {
            assertThat(e.get("object").asText()).isEqualTo("chat.completion.chunk");
            text.append(e.get("choices").get(0).get("delta").path("content").asText(""));
        }
        String whole = s.post("/v1/chat/completions", chat(", \"temperature\": 0")).body().get("choices").get(0).get("message").get("content").asText();
        assertThat(text.toString()).isEqualTo(whole);
    }

    @Test
    void completionsTakeStringsAndTokenIds() throws Exception {
        JsonNode r = s.post("/v1/completions", "{\"model\": \"tiny\", \"prompt\": [\"Once upon\", \"A B C\"], \"temperature\": 0, \"max_tokens\": 5}").body();
        assertThat(r.get("id").asText()).startsWith("cmpl-");
        assertThat(r.get("object").asText()).isEqualTo("text_completion");
        assertThat(r.get("choices")).hasSize(2);
        int[] ids = s.model.tokenize("Once upon", true);
        JsonNode byIds = s.post("/v1/completions", "{\"model\": \"tiny\", \"prompt\": " + TestServer.JSON.writeValueAsString(ids)
                + ", \"temperature\": 0, \"max_tokens\": 5, \"logprobs\": 2}").body();
        assertThat(byIds.get("choices").get(0).get("text")).isEqualTo(r.get("choices").get(0).get("text"));
        JsonNode lp = byIds.get("choices").get(0).get("logprobs");
        assertThat(lp.get("tokens")).hasSize(5);
        assertThat(lp.get("token_logprobs")).hasSize(5);
        assertThat(lp.get("text_offset").get(0).asInt()).isZero();
        // Without max_tokens the legacy endpoint stops at 16.
        JsonNode dflt = s.post("/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"x\", \"ignore_eos\": true}").body();
        assertThat(dflt.get("usage").get("completion_tokens").asInt()).isEqualTo(16);
        HttpResponse<String> sse = stream("{\"model\": \"tiny\", \"prompt\": \"Once upon\", \"temperature\": 0, \"max_tokens\": 5, \"stream\": true}", "/v1/completions");
        StringBuilder text = new StringBuilder();
        for (JsonNode e : TestServer.events(sse.body())) if (e.isObject()) text.append(e.get("choices").get(0).get("text").asText());
        assertThat(text.toString()).isEqualTo(r.get("choices").get(0).get("text").asText());
    }

    @Test
    void parametersChangeTheOutput() throws Exception {
        String base = ", \"temperature\": 0, \"max_tokens\": 12, \"ignore_eos\": true";
        String plain = content(chat(base));
        int first = firstToken(chat(base));
        // logit_bias -100 on the greedy first token changes the answer.
        assertThat(content(chat(base + ", \"logit_bias\": {\"" + first + "\": -100}"))).isNotEqualTo(plain);
        // logit_bias +100 forces a token (id 65 is the byte "b").
        JsonNode forced = s.post("/v1/chat/completions", chat(base + ", \"logit_bias\": {\"65\": 100}, \"logprobs\": true")).body();
        for (JsonNode t : forced.get("choices").get(0).get("logprobs").get("content")) assertThat(t.get("token").asText()).isEqualTo("b");
        assertThat(content(chat(base + ", \"repetition_penalty\": 1.9"))).isNotEqualTo(plain);
        assertThat(content(chat(base + ", \"frequency_penalty\": 2"))).isNotEqualTo(plain);
        assertThat(content(chat(base + ", \"presence_penalty\": 2"))).isNotEqualTo(plain);
        // verbosity adds a system instruction: a different prompt.
        int p = promptTokens(chat(base)), low = promptTokens(chat(base + ", \"verbosity\": \"low\"")), high = promptTokens(chat(base + ", \"verbosity\": \"high\""));
        assertThat(low).isGreaterThan(p);
        assertThat(high).isGreaterThan(p).isNotEqualTo(low);
        assertThat(promptTokens(chat(base + ", \"verbosity\": \"medium\""))).isEqualTo(p);
        // OpenAI no-op parameters are accepted.
        assertThat(s.post("/v1/chat/completions", chat(", \"user\": \"u1\", \"metadata\": {\"k\": \"v\"}, \"store\": false, \"service_tier\": \"auto\","
                + " \"response_format\": {\"type\": \"text\"}, \"parallel_tool_calls\": false")).status()).isEqualTo(200);
        // Tools are rendered into the prompt (the template's <tools> block) even with tool_choice "none".
        assertThat(promptTokens(chat(base + ", \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {}}}], \"tool_choice\": \"none\"")))
                .isGreaterThan(p);
    }

    private static String content(String body) throws Exception {
        TestServer.Answer a = s.post("/v1/chat/completions", body);
        assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
        return a.body().get("choices").get(0).get("message").get("content").asText();
    }

    private static int firstToken(String body) throws Exception {
        String withIds = body.substring(0, body.length() - 1) + ", \"logprobs\": true, \"return_tokens_as_token_ids\": true}";
        String t = s.post("/v1/chat/completions", withIds).body().get("choices").get(0).get("logprobs").get("content").get(0).get("token").asText();
        return Integer.parseInt(t.substring("token_id:".length()));
    }

    private static int promptTokens(String body) throws Exception {
        TestServer.Answer a = s.post("/v1/chat/completions", body);
        assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
        return a.body().get("usage").get("prompt_tokens").asInt();
    }

    @Test
    void invalidRequestsNameTheParameter() throws Exception {
        assertError(s.post("/v1/chat/completions", chat(", \"temperature\": 3")), 400, "temperature");
        assertError(s.post("/v1/chat/completions", chat(", \"temperature\": \"hot\"")), 400, "temperature");
        assertError(s.post("/v1/chat/completions", chat(", \"top_p\": 1.5")), 400, "top_p");
        assertError(s.post("/v1/chat/completions", chat(", \"top_k\": -2")), 400, "top_k");
        assertError(s.post("/v1/chat/completions", chat(", \"min_p\": -0.1")), 400, "min_p");
        assertError(s.post("/v1/chat/completions", chat(", \"top_a\": 2")), 400, "top_a");
        assertError(s.post("/v1/chat/completions", chat(", \"frequency_penalty\": 2.5")), 400, "frequency_penalty");
        assertError(s.post("/v1/chat/completions", chat(", \"presence_penalty\": -3")), 400, "presence_penalty");
        assertError(s.post("/v1/chat/completions", chat(", \"repetition_penalty\": 0")), 400, "repetition_penalty");
        assertError(s.post("/v1/chat/completions", chat(", \"seed\": 1.5")), 400, "seed");
        assertError(s.post("/v1/chat/completions", chat(", \"max_tokens\": 0")), 400, "max_tokens");
        assertError(s.post("/v1/chat/completions", chat(", \"max_completion_tokens\": -1")), 400, "max_completion_tokens");
        assertError(s.post("/v1/chat/completions", chat(", \"logit_bias\": {\"5\": 101}")), 400, "logit_bias");
        assertError(s.post("/v1/chat/completions", chat(", \"logit_bias\": {\"x\": 1}")), 400, "logit_bias");
        assertError(s.post("/v1/chat/completions", chat(", \"top_logprobs\": 3")), 400, "top_logprobs");
        assertError(s.post("/v1/chat/completions", chat(", \"logprobs\": true, \"top_logprobs\": 21")), 400, "top_logprobs");
        assertError(s.post("/v1/chat/completions", chat(", \"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]")), 400, "stop");
        assertError(s.post("/v1/chat/completions", chat(", \"stop\": 5")), 400, "stop");
        assertError(s.post("/v1/chat/completions", chat(", \"n\": 0")), 400, "n");
        assertError(s.post("/v1/chat/completions", chat(", \"stream_options\": {\"include_usage\": true}")), 400, "stream_options");
        assertError(s.post("/v1/chat/completions", chat(", \"verbosity\": \"loud\"")), 400, "verbosity");
        assertError(s.post("/v1/chat/completions", chat(", \"response_format\": {\"type\": \"json_schema\"}")), 400, "response_format");
        assertError(s.post("/v1/chat/completions", chat(", \"structured_outputs\": {\"regex\": \"a+\"}")), 400, "structured_outputs.regex");
        assertError(s.post("/v1/chat/completions", chat(", \"tools\": [{\"type\": \"function\"}]")), 400, "tools[0].function");
        assertError(s.post("/v1/chat/completions", chat(", \"tool_choice\": \"required\"")), 400, "tool_choice");
        assertError(s.post("/v1/chat/completions", chat(", \"store\": true")), 400, "store");
        assertError(s.post("/v1/chat/completions", chat(", \"frobnicate\": 1")), 400, "frobnicate");
        assertError(s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}"), 400, "model");
        assertError(s.post("/v1/chat/completions", "{\"model\": \"tiny\"}"), 400, "messages");
        assertError(s.post("/v1/chat/completions", "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"hi\"}, "
                + "{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/png;base64,AAAA\"}}]}]}"), 400, "messages[0].content[1]");
        assertError(s.post("/v1/completions", "{\"model\": \"tiny\", \"prompt\": [1, 99999]}"), 400, "prompt");
        assertError(s.post("/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"x\", \"echo\": true}"), 400, "echo");
        assertError(s.post("/v1/completions", "{\"model\": \"tiny\"}"), 400, "prompt");

        TestServer.Answer unknownModel = s.post("/v1/chat/completions", "{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}");
        assertError(unknownModel, 404, "model");
        assertThat(unknownModel.body().get("error").get("code").asText()).isEqualTo("model_not_found");

        TestServer.Answer ctx = s.post("/v1/chat/completions", chat(", \"max_tokens\": 5000"));
        assertError(ctx, 400, "messages");
        assertThat(ctx.body().get("error").get("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(ctx.body().get("error").get("message").asText()).contains("1024").contains("5000");

        TestServer.Answer big = s.post("/v1/chat/completions", chat(", \"user\": \"" + "x".repeat(2 << 20) + "\""));
        assertError(big, 413, null);
    }

    @Test
    void modelsListTheServedNamesWithTheirCapabilities() throws Exception {
        JsonNode list = s.get("/v1/models").body();
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("data")).hasSize(2);
        JsonNode m = s.get("/v1/models/qwen/qwen3-vl-32b-instruct").body();
        assertThat(m.get("id").asText()).isEqualTo("qwen/qwen3-vl-32b-instruct");
        assertThat(m.get("object").asText()).isEqualTo("model");
        assertThat(m.get("context_length").asInt()).isEqualTo(1024);
        assertThat(m.get("max_completion_tokens").asInt()).isEqualTo(1023);
        assertThat(m.get("architecture").get("input_modalities").toString()).isEqualTo("[\"text\"]");
        assertThat(m.get("supported_parameters").toString()).contains("\"top_k\"", "\"logprobs\"", "\"seed\"");
        assertThat(m.has("pricing")).isTrue();
        assertError(s.get("/v1/models/nope"), 404, "model");
    }

    @Test
    void aStreamingClientThatDisconnectsCancelsItsGenerationBeforeMaxTokens() throws Exception {
        int total = s.backend.engine().freeKvBlocks();
        int reportsBefore = s.usage.size();
        String body = "{\"model\": \"tiny\", \"prompt\": \"Count:\", \"max_tokens\": 900, \"ignore_eos\": true, \"stream\": true}";
        try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[4096];
            int seen = 0;
            while (seen < 3) { // three content chunks: generation is running
                int n = in.read(buf);
                assertThat(n).isPositive();
                seen += new String(buf, 0, n, StandardCharsets.UTF_8).split("\"text_completion\"", -1).length - 1;
            }
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (s.usage.size() == reportsBefore && System.nanoTime() < deadline) Thread.sleep(5);
        UsageReport r = s.usage.getLast();
        assertThat(r.outcome()).isEqualTo(UsageReport.Outcome.CLIENT_ABORT);
        assertThat(r.usage().completionTokens()).isGreaterThan(0).isLessThan(900);
        assertThat(s.backend.engine().running()).isZero();
        assertThat(s.backend.engine().freeKvBlocks()).isEqualTo(total);
    }

    @Test
    void aNonStreamingClientThatDisconnectsCancelsItsGenerationToo() throws Exception {
        int total = s.backend.engine().freeKvBlocks();
        int reportsBefore = s.usage.size();
        long stepsBefore = s.backend.engine().steps();
        String body = "{\"model\": \"tiny\", \"prompt\": \"Count:\", \"max_tokens\": 1000, \"ignore_eos\": true}";
        try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            long deadline = System.nanoTime() + 10_000_000_000L;
            // Generating: in the batch, some steps taken. Nothing is written to this client until the end.
            while ((s.backend.engine().running() == 0 || s.backend.engine().steps() < stepsBefore + 5) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(s.backend.engine().running()).isEqualTo(1);
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (s.usage.size() == reportsBefore && System.nanoTime() < deadline) Thread.sleep(5);
        UsageReport r = s.usage.getLast();
        assertThat(r.outcome()).isEqualTo(UsageReport.Outcome.CLIENT_ABORT);
        assertThat(r.usage().completionTokens()).isGreaterThan(0).isLessThan(1000);
        assertThat(s.backend.engine().running()).isZero();
        assertThat(s.backend.engine().freeKvBlocks()).isEqualTo(total);
    }

    @Tag("slow")
    @Test
    void overloadIs503WithRetryAfterAndKeepAlivesFlowWhileWaiting() throws Exception {
        // parallel 2 and a queue of 1: two long streams run, a third waits (and gets keep-alives), a fourth is refused.
        String longReq = "{\"model\": \"tiny\", \"prompt\": \"x\", \"max_tokens\": 600, \"ignore_eos\": true, \"stream\": true}";
        CompletableFuture<HttpResponse<String>> a = streamAsync(longReq), b = streamAsync(longReq);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (s.backend.engine().running() < 2 && System.nanoTime() < deadline) Thread.sleep(2);
        CompletableFuture<HttpResponse<String>> waiting = streamAsync("{\"model\": \"tiny\", \"prompt\": \"x\", \"max_tokens\": 2, \"stream\": true}");
        while (s.backend.engine().waiting() < 1 && System.nanoTime() < deadline) Thread.sleep(2);
        TestServer.Answer refused = s.post("/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"x\", \"max_tokens\": 2}");
        assertError(refused, 503, null);
        assertThat(refused.raw().headers().firstValue("Retry-After")).contains("1");
        assertThat(refused.body().get("error").get("code").asText()).isEqualTo("server_overloaded");
        assertThat(s.usage.getLast().outcome()).isEqualTo(UsageReport.Outcome.ERROR);
        HttpResponse<String> w = waiting.get();
        assertThat(w.body()).startsWith(": keep-alive").endsWith("data: [DONE]\n\n");
        assertThat(a.get().statusCode()).isEqualTo(200);
        assertThat(b.get().statusCode()).isEqualTo(200);
    }

    private static HttpResponse<String> stream(String body) throws Exception {
        return stream(body, "/v1/chat/completions");
    }

    private static HttpResponse<String> stream(String body, String path) throws Exception {
        return s.http.send(HttpRequest.newBuilder(s.uri(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static CompletableFuture<HttpResponse<String>> streamAsync(String body) {
        return s.http.sendAsync(HttpRequest.newBuilder(s.uri("/v1/completions")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
