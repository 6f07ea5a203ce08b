package io.qwen4j.store;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UsageLedgerTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private static OpenRequest request(String id, long keyId, String hold) {
        return new OpenRequest(id, keyId, "m", "node", new BigDecimal(hold), new BigDecimal("0.0045"), new BigDecimal("0.0045"),
                new BigDecimal("0.014"), 100, T0);
    }

    private static Closing closing(UsageStatus status, String cost) {
        return new Closing(status, 100, 0, 10, new BigDecimal(cost), T0.plusSeconds(1), 1000, null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.qwen4j.store.TestStores#dialects")
    void holdsThenChargesTheActualCostInOneTransaction(String dialect) throws Exception {
        try (Database db = TestStores.open(dialect)) {
            ApiKeyStore keys = new ApiKeyStore(db);
            UsageLedger ledger = new UsageLedger(db);
            ApiKey key = keys.create(new NewApiKey("a", new BigDecimal("1.00"), "CNY", null, null, null, null), "h1", "sk-x", T0);

            long id = ledger.open(request("r1", key.id(), "0.3"));
            ApiKey held = keys.find(key.id()).orElseThrow();
            assertThat(held.balance()).isEqualByComparingTo("1.00");
            assertThat(held.reserved()).isEqualByComparingTo("0.3");
            assertThat(held.available()).isEqualByComparingTo("0.7");
            assertThat(ledger.check().clean()).isTrue();

            assertThat(ledger.close(id, closing(UsageStatus.OK, "0.0005900000"))).isTrue();
            assertThat(ledger.close(id, closing(UsageStatus.OK, "0.0005900000"))).as("closing twice changes nothing").isFalse();
            ApiKey after = keys.find(key.id()).orElseThrow();
            assertThat(after.balance()).isEqualTo(new BigDecimal("0.9994100000"));
            assertThat(after.reserved()).isEqualByComparingTo("0");
            UsageRecord r = ledger.record("r1");
            assertThat(r.status()).isEqualTo(UsageStatus.OK);
            assertThat(r.cost()).isEqualTo(new BigDecimal("0.0005900000"));
            assertThat(r.latencyMs()).isEqualTo(1000L);

            LedgerReport report = ledger.check();
            assertThat(report.problems()).isEmpty();
            assertThat(report.keys().getFirst().credits()).isEqualByComparingTo("1.00");
            assertThat(report.keys().getFirst().charges()).isEqualByComparingTo("0.00059");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.qwen4j.store.TestStores#dialects")
    void refusesAHoldBeyondTheAvailableBalanceAndWritesNothing(String dialect) throws Exception {
        try (Database db = TestStores.open(dialect)) {
            ApiKeyStore keys = new ApiKeyStore(db);
            UsageLedger ledger = new UsageLedger(db);
            ApiKey key = keys.create(new NewApiKey("a", new BigDecimal("0.5"), "CNY", null, null, null, null), "h1", "sk-x", T0);
            ledger.open(request("r1", key.id(), "0.3"));
            assertThatThrownBy(() -> ledger.open(request("r2", key.id(), "0.3")))
                    .isInstanceOf(InsufficientBalanceException.class)
                    .satisfies(e -> assertThat(((InsufficientBalanceException) e).available()).isEqualByComparingTo("0.2"));
            assertThat(ledger.record("r2")).isNull();
            assertThat(ledger.openRecords()).hasSize(1);
            assertThat(ledger.check().clean()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.qwen4j.store.TestStores#dialects")
    void fiftyConcurrentHoldsNeverExceedTheBalance(String dialect) throws Exception {
        try (Database db = TestStores.open(dialect)) {
            ApiKeyStore keys = new ApiKeyStore(db);
            UsageLedger ledger = new UsageLedger(db);
            // 0.10 covers exactly 7 holds of 0.0135 (0.0945); the 8th would need 0.108.
            ApiKey key = keys.create(new NewApiKey("a", new BigDecimal("0.10"), "CNY", null, null, null, null), "h1", "sk-x", T0);
            ExecutorService pool = Executors.newFixedThreadPool(50);
            CountDownLatch start = new CountDownLatch(1);
            AtomicInteger refused = new AtomicInteger();
            List<Future<Long>> opened = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int n = i;
                opened.add(pool.submit(() -> {
                    start.await();
                    try {
                        return ledger.open(request("r" + n, key.id(), "0.0135"));
                    } catch (InsufficientBalanceException e) {
                        refused.incrementAndGet();
                        return null;
                    }
                }));
            }
            start.countDown();
            List<Long> ids = new ArrayList<>();
            for (Future<Long> f : opened) if (f.get() != null) ids.add(f.get());
            pool.shutdown();
            assertThat(ids).hasSize(7);
            assertThat(refused.get()).isEqualTo(43);
            assertThat(keys.find(key.id()).orElseThrow().reserved()).isEqualByComparingTo("0.0945");
            for (long id : ids) ledger.close(id, closing(UsageStatus.OK, "0.0135"));
            ApiKey after = keys.find(key.id()).orElseThrow();
            assertThat(after.balance()).isEqualByComparingTo("0.0055");
            assertThat(after.reserved()).isEqualByComparingTo("0");
            assertThat(ledger.check().problems()).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.qwen4j.store.TestStores#dialects")
    void checkFindsABalanceThatMovedWithoutItsEntry(String dialect) throws Exception {
        try (Database db = TestStores.open(dialect)) {
            ApiKeyStore keys = new ApiKeyStore(db);
            UsageLedger ledger = new UsageLedger(db);
            ApiKey key = keys.create(new NewApiKey("a", new BigDecimal("2"), "CNY", null, null, null, null), "h1", "sk-x", T0);
            keys.topUp(key.id(), new BigDecimal("3.5"), null, T0);
            assertThat(ledger.check().clean()).isTrue();
            assertThat(ledger.check().keys().getFirst().credits()).isEqualByComparingTo("5.5");
            db.write(c -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("UPDATE api_keys SET balance = balance + 1");
                }
            });
            LedgerReport report = ledger.check();
            assertThat(report.clean()).isFalse();
            assertThat(report.problems()).singleElement().asString().contains("ledger entries sum to");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.qwen4j.store.TestStores#dialects")
    void totalsGroupByDayAndModel(String dialect) throws Exception {
        try (Database db = TestStores.open(dialect)) {
            ApiKeyStore keys = new ApiKeyStore(db);
            UsageLedger ledger = new UsageLedger(db);
            ApiKey key = keys.create(new NewApiKey("a", new BigDecimal("10"), "CNY", null, null, null, null), "h1", "sk-x", T0);
            for (int day = 0; day < 3; day++) {
                OpenRequest r = request("d" + day, key.id(), "0.1");
                long id = ledger.open(new OpenRequest(r.requestId(), r.keyId(), day == 2 ? "other" : "m", r.nodeId(), r.hold(),
                        r.priceInput(), r.priceCached(), r.priceOutput(), r.promptTokens(), T0.plusSeconds(86_400L * day)));
                ledger.close(id, closing(UsageStatus.OK, "0.01"));
            }
            ledger.open(request("in-flight", key.id(), "0.1"));
            var byDay = ledger.totals(key.id(), T0.minusSeconds(3600), T0.plusSeconds(86_400 * 3), io.qwen4j.store.UsageTotals.GroupBy.DAY);
            assertThat(byDay).extracting(UsageTotals::group).containsExactly("2026-03-01", "2026-03-02", "2026-03-03");
            var byModel = ledger.totals(null, T0.minusSeconds(3600), T0.plusSeconds(86_400 * 3), UsageTotals.GroupBy.MODEL);
            assertThat(byModel).extracting(UsageTotals::group, UsageTotals::requests).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("m", 2L), org.assertj.core.groups.Tuple.tuple("other", 1L));
            var total = ledger.totals(key.id(), T0, T0.plusSeconds(86_400 * 2), UsageTotals.GroupBy.NONE);
            assertThat(total).singleElement().satisfies(t -> {
                assertThat(t.requests()).isEqualTo(2);
                assertThat(t.completionTokens()).isEqualTo(20);
                assertThat(t.cost()).isEqualByComparingTo("0.02");
            });
        }
    }
}
