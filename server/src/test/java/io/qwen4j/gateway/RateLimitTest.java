package io.qwen4j.gateway;

import io.qwen4j.store.Database;
import io.qwen4j.store.NewApiKey;
import io.qwen4j.store.TestStores;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitTest {

    @Test
    void slidingWindowAdmitsExactlyTheLimitUnderContention() throws Exception {
        ManualClock clock = new ManualClock(GatewayHttpTest.T0);
        RateLimiter limiter = new RateLimiter(clock);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            results.add(pool.submit(() -> {
                start.await();
                return limiter.admitRequest(1, 37, null).admitted();
            }));
        }
        start.countDown();
        int admitted = 0;
        for (Future<Boolean> f : results) if (f.get()) admitted++;
        pool.shutdown();
        assertThat(admitted).isEqualTo(37);
        RateLimiter.Decision refused = limiter.admitRequest(1, 37, null);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.retryAfterMs()).isEqualTo(60_000);
        clock.advance(Duration.ofSeconds(59));
        assertThat(limiter.admitRequest(1, 37, null).retryAfterMs()).isEqualTo(1_000);
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.admitRequest(1, 37, null).admitted()).as("the window slid past all 37").isTrue();
        assertThat(limiter.admitRequest(2, 37, null).admitted()).as("keys are independent").isTrue();
    }

    @Test
    void tokensAreAdmittedAtTheWorstCaseAndCorrectedToActualUse() {
        ManualClock clock = new ManualClock(GatewayHttpTest.T0);
        RateLimiter limiter = new RateLimiter(clock);
        RateLimiter.Decision first = limiter.admitTokens(1, null, 1000, 600);
        assertThat(first.admitted()).isTrue();
        assertThat(first.status().tokensRemaining()).isEqualTo(400);
        clock.advance(Duration.ofSeconds(10));
        RateLimiter.Decision second = limiter.admitTokens(1, null, 1000, 600);
        assertThat(second.admitted()).isFalse();
        assertThat(second.retryAfterMs()).as("once the first grant leaves the window").isEqualTo(50_000);
        limiter.correct(1, first.grant(), 150); // it used 150 of its 600
        assertThat(limiter.admitTokens(1, null, 1000, 600).admitted()).isTrue();
        RateLimiter.Status s = limiter.status(1, null, 1000);
        assertThat(s.tokensRemaining()).isEqualTo(250);
        assertThat(s.tokensResetMs()).isEqualTo(60_000);
        assertThat(RateLimiter.duration(60_000)).isEqualTo("60s");
        assertThat(RateLimiter.duration(1_500)).isEqualTo("1.5s");
        assertThat(RateLimiter.duration(20)).isEqualTo("20ms");
    }

    @Test
    void parallelClientsGetExactlyTheirRequestsPerMinuteWithHeaders() throws Exception {
        ManualClock clock = new ManualClock(GatewayHttpTest.T0);
        try (Database db = TestStores.open("sqlite");
             TestServer s = TestServer.start(db, Gateway.Settings.defaults().withPrices(GatewayHttpTest.PRICES).withClock(clock))) {
            KeySecret k = KeySecret.generate();
            s.gateway.keys().create(new NewApiKey("limited", BigDecimal.ONE, "CNY", null, 10, 100_000, null), k.hash(), k.prefix(), clock.instant());
            List<CompletableFuture<TestServer.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 50; i++) replies.add(s.sendAsync("GET", "/whoami", k.secret(), null));
            Map<Integer, Integer> byStatus = new HashMap<>();
            Set<String> remaining = new TreeSet<>();
            for (var f : replies) {
                TestServer.Reply r = f.get(60, TimeUnit.SECONDS);
                byStatus.merge(r.status(), 1, Integer::sum);
                assertThat(r.header("x-ratelimit-limit-requests")).isEqualTo("10");
                assertThat(r.header("x-ratelimit-limit-tokens")).isEqualTo("100000");
                assertThat(r.header("x-ratelimit-reset-requests")).isEqualTo("60s");
                if (r.status() == 200) remaining.add(r.header("x-ratelimit-remaining-requests"));
                if (r.status() == 429) {
                    assertThat(r.errorCode()).isEqualTo("rate_limit_exceeded");
                    assertThat(r.body().path("error").path("type").asText()).isEqualTo("requests");
                    assertThat(r.header("Retry-After")).isEqualTo("60");
                    assertThat(r.header("x-ratelimit-remaining-requests")).isEqualTo("0");
                }
            }
            assertThat(byStatus).containsEntry(200, 10).containsEntry(429, 40);
            assertThat(remaining).containsExactlyInAnyOrder("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
            clock.advance(Duration.ofSeconds(60));
            assertThat(s.send("GET", "/whoami", k.secret(), null).status()).isEqualTo(200);
        }
    }

    @Tag("slow")
    @Test
    void parallelClientsGetExactlyTheirTokensPerMinute() throws Exception {
        ManualClock clock = new ManualClock(GatewayHttpTest.T0);
        try (Database db = TestStores.open("sqlite");
             TestServer s = TestServer.start(db, Gateway.Settings.defaults().withPrices(GatewayHttpTest.PRICES).withClock(clock))) {
            KeySecret k = KeySecret.generate();
            s.gateway.keys().create(new NewApiKey("tpm", BigDecimal.TEN, "CNY", null, null, 5000, null), k.hash(), k.prefix(), clock.instant());
            CountDownLatch gate = new CountDownLatch(1);
            s.gate = gate;
            List<CompletableFuture<TestServer.Reply>> replies = new ArrayList<>();
            // Each may use 1000 + 1000 tokens: 2 fit in 5000, a third would make 6000.
            for (int i = 0; i < 30; i++) replies.add(s.sendAsync("POST", "/simulate", k.secret(), TestServer.simulate("m", 1000, 0, 10, 1000, "ok")));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (replies.stream().filter(CompletableFuture::isDone).count() < 28 && System.nanoTime() < deadline) Thread.sleep(20);
            gate.countDown();
            Map<Integer, Integer> byStatus = new HashMap<>();
            for (var f : replies) {
                TestServer.Reply r = f.get(60, TimeUnit.SECONDS);
                byStatus.merge(r.status(), 1, Integer::sum);
                if (r.status() == 429) {
                    assertThat(r.body().path("error").path("type").asText()).isEqualTo("tokens");
                    assertThat(r.header("Retry-After")).isEqualTo("60");
                }
            }
            assertThat(byStatus).containsEntry(200, 2).containsEntry(429, 28);
            // Settled at 1010 tokens each: 2980 of 5000 left, so one more worst case of 2000 fits.
            TestServer.Reply after = s.send("POST", "/simulate", k.secret(), TestServer.simulate("m", 1000, 0, 10, 1000, "ok"));
            assertThat(after.status()).isEqualTo(200);
            assertThat(after.header("x-ratelimit-remaining-tokens")).isEqualTo("980");
            TestServer.Reply tooLarge = s.send("POST", "/simulate", k.secret(), TestServer.simulate("m", 1000, 0, 10, 9000, "ok"));
            assertThat(tooLarge.status()).isEqualTo(400);
            assertThat(tooLarge.body().path("error").path("param").asText()).isEqualTo("max_tokens");
        }
    }
}
