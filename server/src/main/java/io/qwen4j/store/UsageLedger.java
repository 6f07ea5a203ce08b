package io.qwen4j.store;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The usage ledger: one usage record per request, opened with a hold on the key's credit before any work and
 * closed exactly once with the request's real tokens and cost.
 *
 * <p>Why nothing can overspend: {@link #open} moves the worst-case cost into {@code api_keys.reserved} with
 * one conditional {@code UPDATE … WHERE balance - reserved >= hold}. Concurrent opens on the same key are
 * serialised by the row lock (PostgreSQL re-checks the condition on the newest row version) or by SQLite's
 * single writer, so the sum of holds never exceeds the balance. {@link #close} releases the hold and charges
 * the actual cost, and the balance moves only together with its {@code charge} ledger entry in the same
 * transaction; {@link #check} proves both invariants.
 */
public final class UsageLedger {
    private static final String OPEN_COLUMNS = "id, request_id, key_id, model, node_id, hold, price_input, price_cached,"
            + " price_output, prompt_tokens, cached_tokens, completion_tokens, started_at";

    private final Database db;

    public UsageLedger(Database db) {
        this.db = db;
    }

    /**
     * Opens the usage record of a request, holding {@code hold} of its key's credit.
     *
     * @return the record's id
     * @throws InsufficientBalanceException when the key's available balance is less than the hold (or the
     *                                      key is gone); nothing is written then
     */
    public long open(OpenRequest request) {
        // A hold beyond the largest balance can never be covered; an anonymous request's hold is never charged.
        boolean beyond = request.hold().compareTo(Money.MAX) > 0;
        if (beyond && request.keyId() != null) {
            BigDecimal available = db.read(c -> ApiKeyStore.find(c, request.keyId())).map(ApiKey::available).orElse(BigDecimal.ZERO);
            throw new InsufficientBalanceException(available, request.hold());
        }
        long hold = beyond ? Money.MAX_UNITS : Money.toUnits(request.hold());
        return db.write(c -> {
            if (request.keyId() != null) {
                try (PreparedStatement s = c.prepareStatement(
                        "UPDATE api_keys SET reserved = reserved + ? WHERE id = ? AND balance - reserved >= ?")) {
                    s.setLong(1, hold);
                    s.setLong(2, request.keyId());
                    s.setLong(3, hold);
                    if (s.executeUpdate() != 1) {
                        BigDecimal available = ApiKeyStore.find(c, request.keyId()).map(ApiKey::available).orElse(BigDecimal.ZERO);
                        throw new InsufficientBalanceException(available, request.hold());
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO usage_records (request_id, key_id, model, node_id,"
                    + " status, hold, price_input, price_cached, price_output, prompt_tokens, started_at)"
                    + " VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?) RETURNING id")) {
                s.setString(1, request.requestId());
                ApiKeyStore.setNullableLong(s, 2, request.keyId());
                s.setString(3, request.model());
                s.setString(4, request.nodeId());
                s.setLong(5, hold);
                s.setLong(6, Money.toUnits(request.priceInput()));
                s.setLong(7, Money.toUnits(request.priceCached()));
                s.setLong(8, Money.toUnits(request.priceOutput()));
                s.setLong(9, request.promptTokens());
                s.setLong(10, request.startedAt().toEpochMilli());
                return ApiKeyStore.single(s.executeQuery());
            }
        });
    }

    /** Records the usage so far of an open request, so that recovery after a crash can bill what was produced. */
    public void progress(long recordId, int promptTokens, int cachedTokens, int completionTokens) {
        db.write(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE usage_records SET prompt_tokens = ?, cached_tokens = ?,"
                    + " completion_tokens = ? WHERE id = ? AND status = 'open'")) {
                s.setLong(1, promptTokens);
                s.setLong(2, cachedTokens);
                s.setLong(3, completionTokens);
                s.setLong(4, recordId);
                return s.executeUpdate();
            }
        });
    }

    /**
     * Closes an open record: writes its final usage, releases its hold and charges its cost (balance and charge
     * entry together). Idempotent: closing a record that is no longer open changes nothing.
     *
     * @return whether this call closed the record
     */
    public boolean close(long recordId, Closing closing) {
        long cost = Money.toUnits(closing.cost());
        return db.write(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE usage_records SET status = ?, prompt_tokens = ?,"
                    + " cached_tokens = ?, completion_tokens = ?, cost = ?, finished_at = ?, latency_ms = ?, error = ?"
                    + " WHERE id = ? AND status = 'open'")) {
                s.setString(1, closing.status().code());
                s.setLong(2, closing.promptTokens());
                s.setLong(3, closing.cachedTokens());
                s.setLong(4, closing.completionTokens());
                s.setLong(5, cost);
                s.setLong(6, closing.finishedAt().toEpochMilli());
                s.setLong(7, closing.latencyMs());
                s.setString(8, closing.error());
                s.setLong(9, recordId);
                if (s.executeUpdate() != 1) return false;
            }
            Long keyId = null;
            long hold = 0;
            try (PreparedStatement s = c.prepareStatement("SELECT key_id, hold FROM usage_records WHERE id = ?")) {
                s.setLong(1, recordId);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    long k = r.getLong(1);
                    if (!r.wasNull()) keyId = k;
                    hold = r.getLong(2);
                }
            }
            if (keyId == null) return true;
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE api_keys SET balance = balance - ?, reserved = reserved - ? WHERE id = ?")) {
                s.setLong(1, cost);
                s.setLong(2, hold);
                s.setLong(3, keyId);
                s.executeUpdate();
            }
            if (cost != 0) {
                try (PreparedStatement s = c.prepareStatement("INSERT INTO ledger_entries (key_id, kind, amount, usage_id,"
                        + " created_at) VALUES (?, 'charge', ?, ?, ?)")) {
                    s.setLong(1, keyId);
                    s.setLong(2, -cost);
                    s.setLong(3, recordId);
                    s.setLong(4, closing.finishedAt().toEpochMilli());
                    s.executeUpdate();
                }
            }
            return true;
        });
    }

    /** Every open record, oldest first. */
    public List<OpenRecord> openRecords() {
        return db.read(c -> {
            List<OpenRecord> open = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT " + OPEN_COLUMNS + " FROM usage_records WHERE status = 'open' ORDER BY id");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    long k = r.getLong("key_id");
                    Long keyId = r.wasNull() ? null : k;
                    open.add(new OpenRecord(r.getLong("id"), r.getString("request_id"), keyId, r.getString("model"),
                            r.getString("node_id"), Money.fromUnits(r.getLong("hold")), Money.fromUnits(r.getLong("price_input")),
                            Money.fromUnits(r.getLong("price_cached")), Money.fromUnits(r.getLong("price_output")),
                            r.getInt("prompt_tokens"), r.getInt("cached_tokens"), r.getInt("completion_tokens"),
                            Instant.ofEpochMilli(r.getLong("started_at"))));
                }
            }
            return open;
        });
    }

    /** One usage record, whatever its state (for tests and the usage API). */
    public UsageRecord record(String requestId) {
        return db.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT id, request_id, key_id, model, status, prompt_tokens,"
                    + " cached_tokens, completion_tokens, cost, hold, latency_ms, error FROM usage_records WHERE request_id = ?")) {
                s.setString(1, requestId);
                try (ResultSet r = s.executeQuery()) {
                    if (!r.next()) return null;
                    long k = r.getLong(3);
                    Long keyId = r.wasNull() ? null : k;
                    long latency = r.getLong(11);
                    Long latencyMs = r.wasNull() ? null : latency;
                    return new UsageRecord(r.getLong(1), r.getString(2), keyId, r.getString(4), UsageStatus.of(r.getString(5)),
                            r.getInt(6), r.getInt(7), r.getInt(8), Money.fromUnits(r.getLong(9)), Money.fromUnits(r.getLong(10)),
                            latencyMs, r.getString(12));
                }
            }
        });
    }

    /**
     * Usage totals of closed records started in [from, to), for one key or (keyId null) all, grouped by UTC day,
     * by model, or not at all.
     */
    public List<UsageTotals> totals(Long keyId, Instant from, Instant to, UsageTotals.GroupBy groupBy) {
        String group = switch (groupBy) {
            case DAY -> "started_at / 86400000";
            case MODEL -> "model";
            case NONE -> "''";
        };
        String sql = "SELECT " + group + " AS g, COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(cached_tokens), 0),"
                + " COALESCE(SUM(completion_tokens), 0), COALESCE(SUM(cost), 0) FROM usage_records"
                + " WHERE status <> 'open' AND started_at >= ? AND started_at < ?" + (keyId == null ? "" : " AND key_id = ?")
                + (groupBy == UsageTotals.GroupBy.NONE ? "" : " GROUP BY " + group + " ORDER BY g");
        return db.read(c -> {
            List<UsageTotals> rows = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setLong(1, from.toEpochMilli());
                s.setLong(2, to.toEpochMilli());
                if (keyId != null) s.setLong(3, keyId);
                try (ResultSet r = s.executeQuery()) {
                    while (r.next()) {
                        long requests = r.getLong(2);
                        if (groupBy == UsageTotals.GroupBy.NONE && requests == 0) break;
                        String g = groupBy == UsageTotals.GroupBy.DAY
                                ? java.time.LocalDate.ofEpochDay(r.getLong(1)).toString()
                                : r.getString(1);
                        rows.add(new UsageTotals(g, requests, r.getLong(3), r.getLong(4), r.getLong(5), Money.fromUnits(r.getLong(6))));
                    }
                }
            }
            return rows;
        });
    }

    /**
     * Verifies the ledger in one consistent snapshot: every key's balance equals its credits minus its charges
     * (the sum of its entries) and is not negative; its reserved credit equals the holds of its open records;
     * every closed, charged record has exactly the one charge entry of its cost.
     */
    public LedgerReport check() {
        return db.snapshot(c -> {
            List<LedgerReport.KeyLine> keys = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT k.id, k.name, k.currency, k.balance, k.reserved,"
                    + " (SELECT COALESCE(SUM(amount), 0) FROM ledger_entries l WHERE l.key_id = k.id AND l.kind = 'credit'),"
                    + " (SELECT COALESCE(SUM(amount), 0) FROM ledger_entries l WHERE l.key_id = k.id AND l.kind = 'charge'),"
                    + " (SELECT COALESCE(SUM(amount), 0) FROM ledger_entries l WHERE l.key_id = k.id),"
                    + " (SELECT COALESCE(SUM(hold), 0) FROM usage_records u WHERE u.key_id = k.id AND u.status = 'open'),"
                    + " (SELECT COUNT(*) FROM usage_records u WHERE u.key_id = k.id AND u.status = 'open')"
                    + " FROM api_keys k ORDER BY k.id");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    long id = r.getLong(1), balance = r.getLong(4), reserved = r.getLong(5), credits = r.getLong(6),
                            charges = -r.getLong(7), entries = r.getLong(8), holds = r.getLong(9);
                    String name = r.getString(2);
                    keys.add(new LedgerReport.KeyLine(id, name, r.getString(3), Money.fromUnits(credits), Money.fromUnits(charges),
                            Money.fromUnits(balance), Money.fromUnits(reserved), r.getLong(10)));
                    String who = "key " + id + " (" + name + ")";
                    if (balance != entries) {
                        problems.add(who + ": balance " + Money.fromUnits(balance).toPlainString() + " but its ledger entries sum to "
                                + Money.fromUnits(entries).toPlainString());
                    }
                    if (balance < 0) problems.add(who + ": negative balance " + Money.fromUnits(balance).toPlainString());
                    if (reserved != holds) {
                        problems.add(who + ": reserved " + Money.fromUnits(reserved).toPlainString() + " but its open requests hold "
                                + Money.fromUnits(holds).toPlainString());
                    }
                }
            }
            problems.addAll(strings(c, "SELECT 'usage record ' || u.request_id || ': cost ' || u.cost || ' units but charged '"
                    + " || COALESCE((SELECT -SUM(l.amount) FROM ledger_entries l WHERE l.usage_id = u.id AND l.key_id = u.key_id), 0) || ' units'"
                    + " FROM usage_records u WHERE u.key_id IS NOT NULL AND u.status <> 'open'"
                    + " AND u.cost <> COALESCE((SELECT -SUM(l.amount) FROM ledger_entries l WHERE l.usage_id = u.id AND l.key_id = u.key_id), 0)"));
            problems.addAll(strings(c, "SELECT 'ledger entry ' || l.id || ': a ' || l.kind || ' of ' || l.amount || ' units"
                    + " that no record explains' FROM ledger_entries l WHERE (l.kind = 'credit' AND (l.amount <= 0 OR l.usage_id IS NOT NULL))"
                    + " OR (l.kind = 'charge' AND (l.amount >= 0 OR l.usage_id IS NULL"
                    + " OR NOT EXISTS (SELECT 1 FROM usage_records u WHERE u.id = l.usage_id AND u.status <> 'open')))"
                    + " OR l.kind NOT IN ('credit', 'charge')"));
            long open;
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM usage_records WHERE status = 'open'");
                 ResultSet r = s.executeQuery()) {
                r.next();
                open = r.getLong(1);
            }
            return new LedgerReport(keys, problems, open);
        });
    }

    private static List<String> strings(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql); ResultSet r = s.executeQuery()) {
            while (r.next()) out.add(r.getString(1));
        }
        return out;
    }
}
