package io.qwen4j.gateway;

import org.junit.jupiter.api.Tag;
import io.qwen4j.store.ApiKey;
import io.qwen4j.store.Database;
import io.qwen4j.store.LedgerReport;
import io.qwen4j.store.NewApiKey;
import io.qwen4j.store.TestStores;
import io.qwen4j.store.UsageRecord;
import io.qwen4j.store.UsageStatus;
import io.qwen4j.testing.ServerProcess;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** kill -9 of a real server process mid-stream, then a restart: the ledger must come out whole. */
@Tag("slow")
class CrashRecoveryTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.qwen4j.store.TestStores#dialects")
    void restartAfterKillNineChargesTheTokensProducedAndReleasesTheRest(String dialect) throws Exception {
        String url = TestStores.freshUrl(dialect);
        KeySecret secret = KeySecret.generate();
        long keyId;
        try (Database db = Database.open(url)) {
            keyId = new io.qwen4j.store.ApiKeyStore(db).create(new NewApiKey("victim", new BigDecimal("1.00"), "CNY", null, null, null, null),
                    secret.hash(), secret.prefix(), Instant.now()).id();
        }

        ServerProcess child = ServerProcess.start(CrashingServer.class, url);
        List<String> requestIds = new ArrayList<>();
        try {
            int port = Integer.parseInt(child.awaitLine("PORT ").substring(5));
            HttpClient http = HttpClient.newHttpClient();
            // One stream has produced 37 tokens, the other none yet (still in prefill) when the process dies.
            for (int completion : new int[] {37, 0}) {
                HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/simulate"))
                        .header("Authorization", "Bearer " + secret.secret())
                        .POST(HttpRequest.BodyPublishers.ofString(TestServer.simulate("m", 1000, 0, completion, 1000, "hang"))).build();
                http.sendAsync(req, HttpResponse.BodyHandlers.discarding());
                requestIds.add(child.awaitLine("STREAMING ").substring(10));
            }
        } finally {
            child.kill();
        }

        try (Database db = Database.open(url)) {
            var ledger = new io.qwen4j.store.UsageLedger(db);
            ApiKey beforeRestart = new io.qwen4j.store.ApiKeyStore(db).find(keyId).orElseThrow();
            assertThat(beforeRestart.reserved()).as("two worst cases still held").isEqualByComparingTo("0.0370");
            assertThat(ledger.check().problems()).as("consistent even before recovery").isEmpty();

            // The restart: a new gateway on the same store recovers at start-up (the dead pid is on this host).
            try (Gateway restarted = Gateway.open(db, Gateway.Settings.defaults().withPrices(GatewayHttpTest.PRICES))) {
                UsageRecord streamed = ledger.record(requestIds.get(0));
                assertThat(streamed.status()).isEqualTo(UsageStatus.INTERRUPTED);
                assertThat(streamed.completionTokens()).isEqualTo(37);
                assertThat(streamed.cost()).isEqualTo(new BigDecimal("0.0050180000")); // 1000 × 0.0045 + 37 × 0.014, per 1,000
                UsageRecord silent = ledger.record(requestIds.get(1));
                assertThat(silent.status()).isEqualTo(UsageStatus.INTERRUPTED);
                assertThat(silent.cost()).isEqualByComparingTo("0");
                ApiKey after = restarted.keys().find(keyId).orElseThrow();
                assertThat(after.reserved()).isEqualByComparingTo("0");
                assertThat(after.balance()).isEqualTo(new BigDecimal("0.9949820000"));
                LedgerReport report = restarted.ledger().check();
                assertThat(report.problems()).isEmpty();
                assertThat(report.openRequests()).isZero();
                assertThat(restarted.recover().closed()).as("nothing left to recover").isZero();
            }
        }
    }
}
