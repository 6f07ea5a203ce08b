package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.gateway.Gateway;
import io.qwen4j.gateway.KeySecret;
import io.qwen4j.store.ApiKey;
import io.qwen4j.store.ApiKeyStore;
import io.qwen4j.store.Database;
import io.qwen4j.store.NewApiKey;
import io.qwen4j.store.TestStores;
import io.qwen4j.store.UsageRecord;
import io.qwen4j.store.UsageStatus;
import io.qwen4j.testing.ServerProcess;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 of the real server while it streams to several clients, then a restart on the same store: each stream
 * is charged for the tokens its client received, less at most those of the last {@link #LOSS_WINDOW_NANOS}
 * (the progress is persisted at most once a second per stream), and never for more than it received.
 */
@Tag("slow")
class StreamCrashRecoveryTest {
    static final int STREAMS = 4;
    /** What a crash may lose: one persist interval (1 s), plus time for the write itself. */
    static final long LOSS_WINDOW_NANOS = 1_500_000_000L;

    /** One client's stream: the arrival time of every token it received. */
    static final class Client {
        final List<Long> arrivals = new CopyOnWriteArrayList<>();
        volatile String requestId;
        volatile boolean done;

        long receivedBefore(long nanos) {
            return arrivals.stream().filter(t -> t < nanos).count();
        }
    }

    @ParameterizedTest
    @MethodSource("io.qwen4j.store.TestStores#dialects")
    void chargesWhatTheClientsReceivedWithinTheLossBound(String dialect) throws Exception {
        String url = TestStores.freshUrl(dialect);
        KeySecret secret = KeySecret.generate();
        long keyId;
        try (Database db = Database.open(url)) {
            keyId = new ApiKeyStore(db).create(new NewApiKey("streamer", new BigDecimal("10"), "CNY", null, null, null, null),
                    secret.hash(), secret.prefix(), Instant.now()).id();
        }
        ServerProcess child = ServerProcess.start(StreamingServerProcess.class, url);

        List<Client> clients = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        long killedAt;
        try {
            int port = Integer.parseInt(child.awaitLine("PORT ").substring(5));
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < STREAMS; i++) {
                Client c = new Client();
                clients.add(c);
                String body = """
                        {"model": "tiny", "messages": [{"role": "user", "content": "Stream number %d"}], "max_tokens": 4000,
                         "stream": true, "logprobs": true, "ignore_eos": true, "temperature": 0}""".formatted(i);
                HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                        .header("Authorization", "Bearer " + secret.secret()).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                readers.add(Thread.ofPlatform().start(() -> read(http, req, c)));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && !clients.stream().allMatch(c -> c.arrivals.size() >= 30
                    && System.nanoTime() - c.arrivals.getFirst() > 2 * LOSS_WINDOW_NANOS)) {
                Thread.sleep(20);
            }
        } finally {
            killedAt = System.nanoTime();
            child.kill();
        }
        for (Thread t : readers) t.join(TimeUnit.SECONDS.toMillis(30));

        try (Database db = Database.open(url);
             Gateway restarted = Gateway.open(db, Gateway.Settings.defaults().withPrices(StreamingServerProcess.PRICES))) {
            BigDecimal charged = BigDecimal.ZERO;
            for (Client c : clients) {
                assertThat(c.done).as("the stream was still running at the crash").isFalse();
                int received = c.arrivals.size();
                long safe = c.receivedBefore(killedAt - LOSS_WINDOW_NANOS);
                assertThat(safe).as("the test let the stream run past the loss window").isGreaterThan(0);
                UsageRecord r = restarted.ledger().record(c.requestId);
                assertThat(r.status()).isEqualTo(UsageStatus.INTERRUPTED);
                assertThat((long) r.completionTokens()).as("charged tokens vs the %d received, %d of them before the loss window",
                        received, safe).isBetween(safe, (long) received);
                BigDecimal cost = new BigDecimal("0.0045").multiply(BigDecimal.valueOf(r.promptTokens()))
                        .add(new BigDecimal("0.014").multiply(BigDecimal.valueOf(r.completionTokens())))
                        .divide(BigDecimal.valueOf(1000), 10, RoundingMode.UNNECESSARY);
                assertThat(r.cost()).isEqualByComparingTo(cost);
                charged = charged.add(cost);
            }
            ApiKey key = restarted.keys().find(keyId).orElseThrow();
            assertThat(key.reserved()).isEqualByComparingTo("0");
            assertThat(key.balance()).isEqualByComparingTo(new BigDecimal("10").subtract(charged));
            assertThat(restarted.ledger().check().problems()).isEmpty();
        }
    }

    /** Reads a stream until it ends or breaks, noting when each token (a logprob entry) arrived. */
    private static void read(HttpClient http, HttpRequest req, Client c) {
        try {
            HttpResponse<Stream<String>> response = http.send(req, HttpResponse.BodyHandlers.ofLines());
            c.requestId = response.headers().firstValue("x-request-id").orElse(null);
            try (Stream<String> events = response.body()) {
                events.forEach(line -> {
                    if (line.equals("data: [DONE]")) c.done = true;
                    if (!line.startsWith("data: {")) return;
                    JsonNode chunk;
                    try {
                        chunk = TestServer.JSON.readTree(line.substring(6));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    long now = System.nanoTime();
                    for (JsonNode choice : chunk.path("choices")) {
                        for (int k = choice.path("logprobs").path("content").size(); k > 0; k--) c.arrivals.add(now);
                    }
                });
            }
        } catch (Exception e) {
            // the server died mid-stream: what arrived is what counts
        }
    }
}
