package io.qwen4j.gateway;

import io.qwen4j.store.ApiKey;
import io.qwen4j.store.Database;
import io.qwen4j.store.LedgerReport;
import io.qwen4j.store.NewApiKey;
import io.qwen4j.store.TestStores;
import io.qwen4j.store.UsageRecord;
import io.qwen4j.store.UsageStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway over HTTP, on SQLite and PostgreSQL: auth, no overspend, exact costs, abort/failure billing, limits. */
class GatewayHttpTest {
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    static final PriceTable PRICES = PriceTable.parse("""
            {"currency": "CNY", "models": {
              "m": {"input": "0.0045", "cached_input": "0.0018", "output": "0.014"},
              "cheap": {"input": "0.0000001", "output": "0.0000003"}}}""");
    static final String ADMIN = "test-admin-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0";

    private static final class Fixture implements AutoCloseable {
        final ManualClock clock = new ManualClock(T0);
        final Database db;
        final TestServer server;

        Fixture(String dialect) throws Exception {
            db = TestStores.open(dialect);
            server = TestServer.start(db, Gateway.Settings.defaults().withPrices(PRICES).withClock(clock).withAdminKey(ADMIN));
        }

        String issue(String name, String credit, List<String> models, Integer rpm, Integer tpm, Instant expires) {
            KeySecret s = KeySecret.generate();
            server.gateway.keys().create(new NewApiKey(name, new BigDecimal(credit), "CNY", models, rpm, tpm, expires), s.hash(), s.prefix(), T0);
            return s.secret();
        }

        ApiKey key(String name) {
            return server.gateway.keys().resolve(name);
        }

        LedgerReport check() {
            return server.gateway.ledger().check();
        }

        @Override
        public void close() {
            server.close();
            db.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.qwen4j.store.TestStores#dialects")
    void authenticatesKeysAndEnforcesExpiryAndModelAllowLists(String dialect) throws Exception {
        try (Fixture f = new Fixture(dialect)) {
            TestServer s = f.server;
            // No key in the store: anonymous requests pass (the CLI only listens on loopback then), recorded for free.
            assertThat(s.send("GET", "/whoami", null, null).body().path("text").asText()).isEqualTo("anonymous");
            TestServer.Reply anon = s.send("POST", "/simulate", "sk-anything", TestServer.simulate("m", 100, 0, 10, 50, "ok"));
            assertThat(anon.status()).isEqualTo(200);
            UsageRecord anonRecord = f.server.gateway.ledger().record(anon.body().path("request_id").asText());
            assertThat(anonRecord.keyId()).isNull();
            assertThat(anonRecord.completionTokens()).isEqualTo(10);
            assertThat(anonRecord.cost()).isEqualByComparingTo("0");
            assertThat(anon.body().path("cost").decimalValue()).isEqualByComparingTo("0");

            String alice = f.issue("alice", "1", List.of("m"), null, null, T0.plus(Duration.ofDays(1)));
            TestServer.Reply none = s.send("GET", "/whoami", null, null);
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.errorCode()).isEqualTo("invalid_api_key");
            assertThat(s.send("GET", "/whoami", "sk-wrong", null).errorCode()).isEqualTo("invalid_api_key");
            TestServer.Reply ok = s.send("GET", "/whoami", alice, null);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body().path("text").asText()).isEqualTo("alice");
            assertThat(ok.header("x-request-id")).startsWith("req_");

            TestServer.Reply notAllowed = s.send("POST", "/simulate", alice, TestServer.simulate("cheap", 1, 0, 1, 1, "ok"));
            assertThat(notAllowed.status()).isEqualTo(403);
            assertThat(notAllowed.errorCode()).isEqualTo("model_not_allowed");
            assertThat(notAllowed.body().path("error").path("param").asText()).isEqualTo("model");

            String bob = f.issue("bob", "1", null, null, null, null);
            TestServer.Reply unpriced = s.send("POST", "/simulate", bob, TestServer.simulate("nobody-priced-me", 1, 0, 1, 1, "ok"));
            assertThat(unpriced.status()).isEqualTo(403);
            assertThat(unpriced.errorCode()).isEqualTo("model_not_priced");

            f.clock.advance(Duration.ofDays(1));
            TestServer.Reply expired = s.send("GET", "/whoami", alice, null);
            assertThat(expired.status()).isEqualTo(401);
            assertThat(expired.body().path("error").path("message").asText()).contains("expired");

            s.gateway.keys().revoke(f.key("bob").id(), T0);
            assertThat(s.send("GET", "/whoami", bob, null).body().path("error").path("message").asText()).contains("revoked");
            assertThat(f.check().problems()).isEmpty();
        }
    }

    @org.junit.jupiter.api.Test
    void noAuthServesAnonymouslyEvenWhenKeysExist() throws Exception {
        try (Database db = TestStores.open("sqlite");
             TestServer s = TestServer.start(db, Gateway.Settings.defaults().withPrices(PRICES).withNoAuth(true))) {
            KeySecret k = KeySecret.generate();
            s.gateway.keys().create(new NewApiKey("k", BigDecimal.ONE, "CNY", null, 1, null, null), k.hash(), k.prefix(), T0);
            for (int i = 0; i < 3; i++) {
                TestServer.Reply r = s.send("GET", "/whoami", i == 0 ? null : "sk-whatever", null);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body().path("text").asText()).isEqualTo("anonymous");
                assertThat(r.header("x-ratelimit-limit-requests")).isNull();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.qwen4j.store.TestStores#dialects")
    void fiftyConcurrentRequestsCannotOverspendASmallBalance(String dialect) throws Exception {
        try (Fixture f = new Fixture(dialect)) {
            // Worst case per request: 1000 prompt × 0.0045 + 1000 max × 0.014 = 0.0185 per 1,000 → 0.10 covers 5 holds.
            // Actual: 1000 prompt + 500 completion = 0.0045 + 0.007 = 0.0115.
            String key = f.issue("small", "0.10", null, null, null, null);
            CountDownLatch gate = new CountDownLatch(1);
            f.server.gate = gate;
            List<CompletableFuture<TestServer.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                replies.add(f.server.sendAsync("POST", "/simulate", key, TestServer.simulate("m", 1000, 0, 500, 1000, "ok")));
            }
            // Refusals come back at once; the admitted requests wait at the gate with their holds in flight.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (replies.stream().filter(CompletableFuture::isDone).count() < 45 && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(f.key("small").reserved()).isEqualByComparingTo("0.0925");
            gate.countDown();
            Map<Integer, Integer> byStatus = new HashMap<>();
            for (var r : replies) {
                TestServer.Reply reply = r.get(60, TimeUnit.SECONDS);
                byStatus.merge(reply.status(), 1, Integer::sum);
                if (reply.status() == 402) assertThat(reply.errorCode()).isEqualTo("insufficient_quota");
                if (reply.status() == 200) assertThat(reply.body().path("cost").decimalValue()).isEqualByComparingTo("0.0115");
            }
            assertThat(byStatus).containsEntry(200, 5).containsEntry(402, 45);
            ApiKey after = f.key("small");
            assertThat(after.balance()).isEqualTo(new BigDecimal("0.0425000000")); // 0.10 − 5 × 0.0115, to the last place
            assertThat(after.reserved()).isEqualByComparingTo("0");
            LedgerReport report = f.check();
            assertThat(report.problems()).isEmpty();
            assertThat(report.keys().getFirst().charges()).isEqualByComparingTo("0.0575");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.qwen4j.store.TestStores#dialects")
    void costsAreExactToTheLastDecimal(String dialect) throws Exception {
        try (Fixture f = new Fixture(dialect)) {
            String key = f.issue("exact", "10", null, null, null, null);
            // (1034 × 0.0045 + 200 × 0.0018 + 567 × 0.014) / 1000 = (4.653 + 0.36 + 7.938) / 1000 = 0.012951
            TestServer.Reply r = f.server.send("POST", "/simulate", key, TestServer.simulate("m", 1234, 200, 567, 2000, "ok"));
            assertThat(r.body().path("cost").decimalValue()).isEqualByComparingTo(new BigDecimal("0.0129510000"));
            // 7 × 0.0000001 + 3 × 0.0000003 = 0.0000016, / 1000 = 0.0000000016: still exact at 10 places.
            TestServer.Reply tiny = f.server.send("POST", "/simulate", key, TestServer.simulate("cheap", 7, 0, 3, 3, "ok"));
            assertThat(tiny.body().path("cost").decimalValue()).isEqualByComparingTo(new BigDecimal("0.0000000016"));
            BigDecimal sum = new BigDecimal("0.0129510000").add(new BigDecimal("0.0000000016"));
            for (int i = 1; i <= 20; i++) {
                TestServer.Reply each = f.server.send("POST", "/simulate", key, TestServer.simulate("m", i, 0, 3 * i, 100, "ok"));
                // i × 0.0045 + 3i × 0.014 = 0.0465 i per 1,000
                assertThat(each.body().path("cost").decimalValue()).isEqualByComparingTo(new BigDecimal("0.0000465").multiply(BigDecimal.valueOf(i)));
                sum = sum.add(each.body().path("cost").decimalValue());
            }
            assertThat(sum).isEqualByComparingTo(new BigDecimal("0.0227160016")); // 0.012951 + 0.0000000016 + 0.0000465 × 210
            assertThat(f.key("exact").balance()).isEqualTo(new BigDecimal("10").subtract(sum).setScale(10));
            TestServer.Reply usage = f.server.send("GET", "/v1/usage?from=2026-03-01&to=2026-03-01", key, null);
            assertThat(usage.body().path("total").path("cost").decimalValue()).isEqualByComparingTo(new BigDecimal("0.0227160016"));
            assertThat(usage.body().path("total").path("requests").asInt()).isEqualTo(22);
            assertThat(f.check().problems()).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.qwen4j.store.TestStores#dialects")
    void abortedAndFailedRequestsPayOnlyForTokensProduced(String dialect) throws Exception {
        try (Fixture f = new Fixture(dialect)) {
            String key = f.issue("k", "1", null, null, null, null);
            TestServer s = f.server;
            String nothing = s.send("POST", "/simulate", key, TestServer.simulate("m", 1000, 0, 0, 500, "abort")).body().path("request_id").asText();
            String partial = s.send("POST", "/simulate", key, TestServer.simulate("m", 1000, 0, 37, 500, "abort")).body().path("request_id").asText();
            String failedEmpty = s.send("POST", "/simulate", key, TestServer.simulate("m", 1000, 0, 0, 500, "fail")).body().path("request_id").asText();
            String failedPartial = s.send("POST", "/simulate", key, TestServer.simulate("m", 1000, 0, 5, 500, "fail")).body().path("request_id").asText();
            TestServer.Reply thrown = s.send("POST", "/simulate", key, TestServer.simulate("m", 1000, 0, 12, 500, "throw"));
            assertThat(thrown.status()).isEqualTo(500);

            var ledger = s.gateway.ledger();
            UsageRecord r1 = ledger.record(nothing);
            assertThat(r1.status()).isEqualTo(UsageStatus.ABORTED);
            assertThat(r1.cost()).isEqualByComparingTo("0");
            UsageRecord r2 = ledger.record(partial);
            assertThat(r2.status()).isEqualTo(UsageStatus.ABORTED);
            assertThat(r2.completionTokens()).isEqualTo(37);
            assertThat(r2.cost()).isEqualTo(new BigDecimal("0.0050180000")); // 0.0045 + 37 × 0.000014
            assertThat(ledger.record(failedEmpty).cost()).isEqualByComparingTo("0");
            assertThat(ledger.record(failedEmpty).status()).isEqualTo(UsageStatus.ERROR);
            assertThat(ledger.record(failedPartial).cost()).isEqualTo(new BigDecimal("0.0045700000"));
            // The endpoint threw after reporting 12 tokens: close() failed the reservation with that progress.
            assertThat(ledger.openRecords()).isEmpty();
            BigDecimal charged = new BigDecimal("0.0050180000").add(new BigDecimal("0.0045700000")).add(new BigDecimal("0.0046680000"));
            ApiKey after = f.key("k");
            assertThat(after.balance()).isEqualTo(BigDecimal.ONE.subtract(charged).setScale(10));
            assertThat(after.reserved()).isEqualByComparingTo("0");
            TestServer.Reply usage = s.send("GET", "/v1/usage", key, null);
            assertThat(usage.body().path("total").path("requests").asInt()).isEqualTo(5);
            assertThat(usage.body().path("total").path("completion_tokens").asInt()).isEqualTo(54);
            assertThat(usage.body().path("total").path("cost").decimalValue()).isEqualByComparingTo(charged);
            assertThat(f.check().problems()).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.qwen4j.store.TestStores#dialects")
    void usageApiShowsTheCallersKeyAndAnyKeyToTheAdmin(String dialect) throws Exception {
        try (Fixture f = new Fixture(dialect)) {
            String a = f.issue("a", "1", null, null, null, null);
            String b = f.issue("b", "1", null, null, null, null);
            TestServer s = f.server;
            s.send("POST", "/simulate", a, TestServer.simulate("m", 10, 0, 10, 10, "ok"));
            s.send("POST", "/simulate", a, TestServer.simulate("cheap", 10, 0, 10, 10, "ok"));
            s.send("POST", "/simulate", b, TestServer.simulate("m", 10, 0, 10, 10, "ok"));
            TestServer.Reply mine = s.send("GET", "/v1/usage?group_by=model", a, null);
            assertThat(mine.status()).isEqualTo(200);
            assertThat(mine.body().path("key_id").asLong()).isEqualTo(f.key("a").id());
            assertThat(mine.body().path("data")).hasSize(2);
            assertThat(mine.body().path("data").get(0).path("model").asText()).isEqualTo("cheap");
            assertThat(mine.body().path("total").path("requests").asInt()).isEqualTo(2);
            TestServer.Reply byDay = s.send("GET", "/v1/usage?group_by=day&from=2026-02-28&to=2026-03-01", b, null);
            assertThat(byDay.body().path("data")).singleElement().satisfies(d -> {
                assertThat(d.path("day").asText()).isEqualTo("2026-03-01");
                assertThat(d.path("cost").decimalValue()).isEqualByComparingTo("0.000185");
            });
            assertThat(s.send("GET", "/v1/usage?from=2026-03-02", a, null).status()).isEqualTo(400);
            assertThat(s.send("GET", "/v1/usage", null, null).status()).isEqualTo(401);
            TestServer.Reply all = s.send("GET", "/v1/usage", ADMIN, null);
            assertThat(all.body().path("total").path("requests").asInt()).isEqualTo(3);
            assertThat(s.send("GET", "/v1/usage?key_id=" + f.key("b").id(), ADMIN, null).body().path("total").path("requests").asInt()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.qwen4j.store.TestStores#dialects")
    void adminApiCreatesListsTopsUpAndRevokesKeys(String dialect) throws Exception {
        try (Fixture f = new Fixture(dialect)) {
            TestServer s = f.server;
            assertThat(s.send("GET", "/admin/keys", null, null).status()).isEqualTo(401);
            assertThat(s.send("GET", "/admin/keys", "sk-not-admin", null).errorCode()).isEqualTo("invalid_api_key");
            TestServer.Reply created = s.send("POST", "/admin/keys", ADMIN,
                    "{\"name\": \"carol\", \"credit\": \"2.50\", \"models\": [\"m\"], \"rpm\": 60, \"expires\": \"2026-12-31\"}");
            assertThat(created.status()).isEqualTo(201);
            String secret = created.body().path("secret").asText();
            assertThat(secret).startsWith("sk-").hasSize(46);
            var key = created.body().path("key");
            assertThat(key.path("balance").decimalValue()).isEqualByComparingTo("2.50");
            assertThat(key.path("currency").asText()).isEqualTo("CNY");
            assertThat(key.path("expires").asText()).isEqualTo("2027-01-01T00:00:00Z");
            assertThat(s.send("GET", "/whoami", secret, null).body().path("text").asText()).isEqualTo("carol");
            long id = key.path("id").asLong();
            TestServer.Reply topped = s.send("POST", "/admin/keys/" + id + "/top-up", ADMIN, "{\"amount\": 0.1}");
            assertThat(topped.body().path("balance").decimalValue()).isEqualByComparingTo("2.60");
            assertThat(s.send("POST", "/admin/keys/" + id + "/top-up", ADMIN, "{\"amount\": -1}").status()).isEqualTo(400);
            TestServer.Reply list = s.send("GET", "/admin/keys", ADMIN, null);
            assertThat(list.body().path("data")).singleElement().satisfies(k -> assertThat(k.path("name").asText()).isEqualTo("carol"));
            assertThat(s.send("POST", "/admin/keys/" + id + "/revoke", ADMIN, null).body().path("revoked").asBoolean()).isTrue();
            assertThat(s.send("GET", "/whoami", secret, null).status()).isEqualTo(401);
            assertThat(s.send("POST", "/admin/keys/999/revoke", ADMIN, null).status()).isEqualTo(404);
            assertThat(f.check().problems()).isEmpty();
            assertThat(f.check().keys().getFirst().credits()).isEqualByComparingTo("2.60");
        }
    }
}
