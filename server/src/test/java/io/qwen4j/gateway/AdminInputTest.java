package io.qwen4j.gateway;

import io.qwen4j.store.Database;
import io.qwen4j.store.TestStores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin and usage APIs under hostile input: money stays exact and in range, every malformed body is a 400
 * naming its field (never a 500, never a key that fails open), and no unbounded input costs time or memory.
 */
class AdminInputTest {
    private static final String ADMIN = GatewayHttpTest.ADMIN;

    private static final class Fixture implements AutoCloseable {
        final Database db;
        final TestServer server;

        Fixture(String dialect) throws Exception {
            db = TestStores.open(dialect);
            server = TestServer.start(db, Gateway.Settings.defaults().withPrices(GatewayHttpTest.PRICES)
                    .withClock(new ManualClock(GatewayHttpTest.T0)).withAdminKey(ADMIN));
        }

        TestServer.Reply post(String path, String body) throws Exception {
            return server.send("POST", path, ADMIN, body);
        }

        long create(String body) throws Exception {
            TestServer.Reply r = post("/admin/keys", body);
            assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
            return r.body().path("key").path("id").asLong();
        }

        @Override
        public void close() {
            server.close();
            db.close();
        }
    }

    static Stream<Arguments> refusedKeys() {
        return Stream.of(
                Arguments.of("credit beyond the range", "{\"name\": \"a\", \"credit\": \"922337203.6854775807\"}", "credit"),
                Arguments.of("credit 1e999999999 (string)", "{\"name\": \"a\", \"credit\": \"1e999999999\"}", "credit"),
                Arguments.of("credit 1e999999999 (number)", "{\"name\": \"a\", \"credit\": 1e999999999}", "credit"),
                Arguments.of("credit 1e-30", "{\"name\": \"a\", \"credit\": 1e-30}", "credit"),
                Arguments.of("credit with 11 decimals", "{\"name\": \"a\", \"credit\": \"0.00000000001\"}", "credit"),
                Arguments.of("credit 1e30", "{\"name\": \"a\", \"credit\": \"1e30\"}", "credit"),
                Arguments.of("negative credit", "{\"name\": \"a\", \"credit\": \"-1\"}", "credit"),
                Arguments.of("credit as a boolean", "{\"name\": \"a\", \"credit\": true}", "credit"),
                Arguments.of("models as a string", "{\"name\": \"a\", \"models\": \"qwen/other\"}", "models"),
                Arguments.of("models as objects", "{\"name\": \"a\", \"models\": [{\"id\": \"x\"}]}", "models[0]"),
                Arguments.of("an empty model name", "{\"name\": \"a\", \"models\": [\" \"]}", "models"),
                Arguments.of("expires as a number", "{\"name\": \"a\", \"expires\": 12345}", "expires"),
                Arguments.of("expires in the past", "{\"name\": \"a\", \"expires\": \"2020-01-01\"}", "expires"),
                Arguments.of("expires +999999999", "{\"name\": \"a\", \"expires\": \"+999999999-12-31T00:00:00Z\"}", "expires"),
                Arguments.of("expires -999999999", "{\"name\": \"a\", \"expires\": \"-999999999-01-01T00:00:00Z\"}", "expires"),
                Arguments.of("expires epoch seconds beyond 9999", "{\"name\": \"a\", \"expires\": \"999999999999\"}", "expires"),
                Arguments.of("a name with NUL", "{\"name\": \"a\\u0000b\"}", "name"),
                Arguments.of("a name with an RTL override", "{\"name\": \"a\\u202Eb\"}", "name"),
                Arguments.of("a name with an ANSI escape", "{\"name\": \"\\u001b[31mred\"}", "name"),
                Arguments.of("a name of 100k characters", "{\"name\": \"" + "n".repeat(100_000) + "\"}", "name"),
                Arguments.of("a name as a number", "{\"name\": 7}", "name"),
                Arguments.of("no name", "{\"credit\": \"1\"}", "name"),
                Arguments.of("an unknown field", "{\"name\": \"a\", \"credits\": \"1\"}", "credits"),
                Arguments.of("rpm as a string", "{\"name\": \"a\", \"rpm\": \"5\"}", "rpm"),
                Arguments.of("rpm zero", "{\"name\": \"a\", \"rpm\": 0}", "rpm"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedKeys")
    void malformedKeysAreRefusedNamingTheField(String what, String body, String param) throws Exception {
        try (Fixture f = new Fixture("sqlite")) {
            long started = System.nanoTime();
            TestServer.Reply r = f.post("/admin/keys", body);
            assertThat(r.status()).as(r.body().toString()).isEqualTo(400);
            assertThat(r.body().path("error").path("param").asText()).isEqualTo(param);
            assertThat(r.raw().body().length()).as("the answer does not echo unbounded input").isLessThan(1_000);
            assertThat(System.nanoTime() - started).as("refused at once").isLessThan(5_000_000_000L);
            assertThat(f.server.gateway.keys().list()).as("no key was created").isEmpty();
        }
    }

    @Test
    void duplicatedFieldsAndTrailingBytesAreRefused() throws Exception {
        try (Fixture f = new Fixture("sqlite")) {
            assertThat(f.post("/admin/keys", "{\"name\": \"a\", \"models\": [\"m\"], \"models\": null}").status()).isEqualTo(400);
            assertThat(f.post("/admin/keys", "{\"name\": \"a\"} {\"name\": \"b\"}").status()).isEqualTo(400);
            assertThat(f.server.gateway.keys().list()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("io.qwen4j.store.TestStores#dialects")
    void balancesStayInRangeAndExact(String dialect) throws Exception {
        try (Fixture f = new Fixture(dialect)) {
            long id = f.create("{\"name\": \"rich\", \"credit\": \"99999999.9999999999\"}");
            TestServer.Reply over = f.post("/admin/keys/" + id + "/top-up", "{\"amount\": 1}");
            assertThat(over.status()).isEqualTo(400);
            assertThat(over.body().path("error").path("param").asText()).isEqualTo("amount");
            TestServer.Reply exact = f.post("/admin/keys/" + id + "/top-up", "{\"amount\": \"0.0000000001\"}");
            assertThat(exact.status()).isEqualTo(200);
            assertThat(exact.body().path("balance").decimalValue()).isEqualByComparingTo("100000000");
            assertThat(f.post("/admin/keys/" + id + "/top-up", "{\"amount\": \"1e999999999\"}").status()).isEqualTo(400);
            assertThat(f.post("/admin/keys/" + id + "/top-up", "{\"amount\": \"0.00000000001\"}").status()).isEqualTo(400);
            assertThat(f.post("/admin/keys/" + id + "/top-up", "{\"amount\": 1, \"note\": \"\\u001b[2J\"}").status()).isEqualTo(400);
            assertThat(f.server.gateway.ledger().check().problems()).isEmpty();
        }
    }

    @Test
    void allowListsHoldExactlyTheNamedModels() throws Exception {
        try (Fixture f = new Fixture("sqlite")) {
            long id = f.create("{\"name\": \"only-m\", \"models\": [\"m\"]}");
            assertThat(f.server.gateway.keys().find(id).orElseThrow().models()).containsExactly("m");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("usageQueries")
    void usageQueriesOutOfRangeAre400(String query, String param) throws Exception {
        try (Fixture f = new Fixture("sqlite")) {
            TestServer.Reply r = f.server.send("GET", "/v1/usage?" + query, ADMIN, null);
            assertThat(r.status()).as(r.body().toString()).isEqualTo(400);
            assertThat(r.body().path("error").path("param").asText()).isEqualTo(param);
        }
    }

    static Stream<Arguments> usageQueries() {
        return Stream.of(Arguments.of("to=%2B999999999-12-31T00:00:00Z", "to"),
                Arguments.of("from=-999999999-01-01T00:00:00Z", "from"),
                Arguments.of("to=" + "9".repeat(5000), "to"),
                Arguments.of("key_id=99999999999999999999999", "key_id"));
    }

    /** Random bodies and queries against every admin and usage route: nothing answers 5xx. */
    @Test
    void fuzzedAdminAndUsageRequestsNeverAnswer5xx() throws Exception {
        Random random = new Random(20261208);
        String[] values = {"null", "true", "-1", "0", "1", "1e999999999", "-1e-999999999", "\"1e30\"", "\"0.1\"", "\"\"",
                "\"\\u0000\"", "[]", "{}", "[\"m\"]", "[1]", "\"2020-01-01\"", "\"9999-12-31\"", "\"+999999999-12-31T00:00:00Z\"",
                "12345", "922337203.6854775807", "\"" + "x".repeat(3000) + "\"", "1.5", "[[[[[]]]]]"};
        String[] fields = {"name", "credit", "models", "rpm", "tpm", "expires", "amount", "note", "x"};
        String[] queryValues = {"", "0", "-1", "2026-13-45", "+999999999-12-31T00:00:00Z", "99999999999999", "day", "model", "%00", "1e9"};
        String[] queryNames = {"from", "to", "group_by", "key_id"};
        try (Fixture f = new Fixture("sqlite")) {
            long id = f.create("{\"name\": \"target\", \"credit\": \"5\"}");
            List<Integer> statuses = new ArrayList<>();
            String previous = "";
            for (int i = 0; i < 400; i++) {
                int n = random.nextInt(5);
                StringBuilder text = new StringBuilder("{");
                for (int k = 0; k < n; k++) {
                    if (k > 0) text.append(", ");
                    text.append('"').append(fields[random.nextInt(fields.length)]).append("\": ").append(values[random.nextInt(values.length)]);
                }
                text.append('}');
                String path = switch (random.nextInt(4)) {
                    case 0 -> "/admin/keys";
                    case 1 -> "/admin/keys/" + id + "/top-up";
                    case 2 -> "/admin/keys/" + (random.nextBoolean() ? id : "x") + "/revoke";
                    default -> {
                        StringBuilder q = new StringBuilder("/v1/usage?");
                        for (int k = random.nextInt(4); k >= 0; k--) {
                            q.append(queryNames[random.nextInt(queryNames.length)]).append('=')
                                    .append(queryValues[random.nextInt(queryValues.length)].replace("+", "%2B")).append('&');
                        }
                        yield q.toString();
                    }
                };
                TestServer.Reply r;
                try {
                    r = path.startsWith("/v1/usage") ? f.server.send("GET", path, ADMIN, null) : f.post(path, text.toString());
                } catch (Exception e) {
                    throw new AssertionError("no answer to " + path + " " + shorten(text) + " after " + previous, e);
                }
                assertThat(r.status()).as(path + " " + shorten(text) + " → " + r.body()).isLessThan(500);
                previous = path + " " + shorten(text) + " → " + r.status() + " " + r.raw().headers().map();
                statuses.add(r.status());
            }
            assertThat(statuses).contains(400);
            assertThat(f.server.gateway.ledger().check().problems()).isEmpty();
        }
    }

    private static String shorten(CharSequence text) {
        return text.length() <= 200 ? text.toString() : text.subSequence(0, 200) + "…";
    }

    @Test
    void weakAdminKeysAreRefused() {
        for (String weak : new String[] {"admin-secret-123", "a".repeat(64), "0123456789".repeat(3)}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Gateway.Settings.defaults().withAdminKey(weak))
                    .as(weak).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too weak");
        }
        Gateway.Settings.defaults().withAdminKey(ADMIN);
    }

    @Test
    void failedAuthenticationsAreLoggedThrottledAndNeverEchoed() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(AuthFailures.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try (Fixture f = new Fixture("sqlite")) {
            f.create("{\"name\": \"someone\"}"); // keys exist: model endpoints need one
            TestServer.Reply echo = f.server.send("GET", "/whoami", ADMIN, null);
            assertThat(echo.status()).isEqualTo(401);
            for (int i = 0; i + 4 <= ADMIN.length(); i++) {
                assertThat(echo.raw().body()).as("no part of the secret is echoed").doesNotContain(ADMIN.substring(i, i + 4));
            }
            for (int i = 1; i < AuthFailures.MAX_FAILURES; i++) {
                assertThat(f.server.send("GET", "/admin/keys", "wrong-admin-key-" + i, null).status()).isEqualTo(401);
            }
            TestServer.Reply usage = f.server.send("GET", "/v1/usage", ADMIN, null);
            assertThat(usage.status()).as("/v1/usage answers no guess of the admin key once throttled").isEqualTo(429);
            TestServer.Reply throttled = f.server.send("GET", "/admin/keys", ADMIN, null);
            assertThat(throttled.status()).as("even the right key waits once an address failed too often").isEqualTo(429);
            assertThat(throttled.body().path("error").path("message").asText()).contains("too many failed authentications");
            assertThat(logged.list).hasSize(AuthFailures.MAX_FAILURES);
            assertThat(logged.list).allSatisfy(e -> assertThat(e.getFormattedMessage()).contains("127.0.0.1").doesNotContain("wrong-admin-key"));
        } finally {
            logger.detachAppender(logged);
        }
    }
}
