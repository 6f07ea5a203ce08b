package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.kv.PagedKvCache;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 64 streaming clients at once over HTTP on the tiny model (8 slots, the rest queued): every one completes
 * without an error, with exactly the output it gets alone.
 */
@Tag("slow")
class ConcurrentClientsTest {
    static final int CLIENTS = 64;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        // 8 slots, room for the other 56 in the queue, 48-token steps: prompts prefill in chunks beside decoding.
        s = new TestServer("models/qwen3vl-tiny-Q8_0.gguf", List.of("tiny"), EngineConfig.builder(512).parallel(8).maxQueued(CLIENTS).stepTokenBudget(48).kvStorage(PagedKvCache.Storage.F16).build(),
                ApiServer.Options.defaults());
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** Client i: its own prompt length; even clients greedy, odd ones sampled with seed i. */
    static String request(int i) {
        String content = "Client " + i + ": " + "tell me more ".repeat(1 + i % 9) + "about the number " + i + ".";
        String sampling = i % 2 == 0 ? "\"temperature\": 0" : "\"temperature\": 0.9, \"top_p\": 0.95, \"seed\": " + i;
        return "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"" + content + "\"}], \"max_tokens\": "
                + (6 + i % 5) + ", " + sampling + ", \"stream\": true, \"stream_options\": {\"include_usage\": true}}";
    }

    record Output(String content, String finishReason, int completionTokens) {
    }

    /** The stream's text, finish reason and usage; fails on anything but a clean 200 stream ending in [DONE]. */
    static Output read(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> events = TestServer.events(r.body());
        assertThat(events.getLast().asText()).isEqualTo("[DONE]");
        StringBuilder content = new StringBuilder();
        String finish = null;
        int completion = -1;
        for (JsonNode e : events.subList(0, events.size() - 1)) {
            assertThat(e.has("error")).as(e.toString()).isFalse();
            for (JsonNode c : e.get("choices")) {
                content.append(c.path("delta").path("content").asText(""));
                if (c.hasNonNull("finish_reason")) finish = c.get("finish_reason").asText();
            }
            if (e.hasNonNull("usage")) completion = e.get("usage").get("completion_tokens").asInt();
        }
        return new Output(content.toString(), finish, completion);
    }

    static HttpRequest post(String body) {
        return HttpRequest.newBuilder(s.uri("/v1/chat/completions")).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    @Test
    void sixtyFourConcurrentStreamsAllCompleteWithTheirSingleClientOutputs() throws Exception {
        List<Output> alone = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) alone.add(read(s.http.send(post(request(i)), HttpResponse.BodyHandlers.ofString())));
        int total = s.backend.engine().freeKvBlocks();
        long stepsBefore = s.backend.engine().steps();

        CountDownLatch ready = new CountDownLatch(CLIENTS);
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            CompletableFuture<HttpResponse<String>> f = new CompletableFuture<>();
            responses.add(f);
            String body = request(i);
            clients.add(Thread.ofVirtual().start(() -> {
                ready.countDown();
                try {
                    ready.await(); // all 64 send together
                    f.complete(s.http.send(post(body), HttpResponse.BodyHandlers.ofString()));
                } catch (Exception e) {
                    f.completeExceptionally(e);
                }
            }));
        }
        for (int i = 0; i < CLIENTS; i++) {
            Output together = read(responses.get(i).get(120, TimeUnit.SECONDS));
            assertThat(together).as("client %d", i).isEqualTo(alone.get(i));
            assertThat(together.completionTokens()).isPositive();
        }
        for (Thread t : clients) t.join();
        // They shared steps (fewer steps than tokens) and left nothing behind.
        long steps = s.backend.engine().steps() - stepsBefore;
        int tokens = alone.stream().mapToInt(Output::completionTokens).sum();
        assertThat(steps).isLessThan(tokens);
        assertThat(s.backend.engine().running()).isZero();
        assertThat(s.backend.engine().waiting()).isZero();
        assertThat(s.backend.engine().freeKvBlocks()).isEqualTo(total);
    }
}
