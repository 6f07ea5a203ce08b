package io.qwen4j.store;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * API keys: created with an optional credit, topped up, revoked (never deleted, so their ledger stays
 * whole). A key's balance changes only here and in {@link UsageLedger}, each time together with the ledger
 * entry that explains it, in one transaction.
 */
public final class ApiKeyStore {
    private static final String COLUMNS =
            "id, name, prefix, currency, balance, reserved, models, rpm, tpm, expires_at, revoked_at, created_at";

    private final Database db;

    public ApiKeyStore(Database db) {
        this.db = db;
    }

    /**
     * Stores a new key under the hash of its secret; an initial credit is booked as a ledger entry. Refuses
     * (IllegalArgumentException) an expiry that is not after {@code now}.
     */
    public ApiKey create(NewApiKey spec, String secretHash, String prefix, Instant now) {
        long credit = Money.toUnits(spec.credit());
        if (spec.expiresAt() != null && !spec.expiresAt().isAfter(now)) {
            throw new InvalidFieldException("expires", "the expiry " + spec.expiresAt() + " is not in the future");
        }
        return db.write(c -> {
            long id;
            try (PreparedStatement s = c.prepareStatement("INSERT INTO api_keys (name, secret_hash, prefix, currency, balance,"
                    + " reserved, models, rpm, tpm, expires_at, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?) RETURNING id")) {
                s.setString(1, spec.name());
                s.setString(2, secretHash);
                s.setString(3, prefix);
                s.setString(4, spec.currency());
                s.setLong(5, credit);
                s.setString(6, spec.models().isEmpty() ? null : String.join(",", spec.models()));
                setNullableLong(s, 7, spec.rpm() == null ? null : spec.rpm().longValue());
                setNullableLong(s, 8, spec.tpm() == null ? null : spec.tpm().longValue());
                setNullableLong(s, 9, spec.expiresAt() == null ? null : spec.expiresAt().toEpochMilli());
                s.setLong(10, now.toEpochMilli());
                id = single(s.executeQuery());
            }
            if (credit != 0) credit(c, id, credit, "initial credit", now);
            return find(c, id).orElseThrow();
        });
    }

    /**
     * Adds credit to a key: its balance and a credit entry move together. Refuses (IllegalArgumentException)
     * an amount that is not positive, and one that would take the balance past {@link Money#MAX}.
     */
    public ApiKey topUp(long id, BigDecimal amount, String note, Instant now) {
        long units;
        try {
            units = Money.toUnits(amount);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("amount", "amount: " + e.getMessage());
        }
        if (units <= 0) throw new InvalidFieldException("amount", "a top-up must be positive");
        String entryNote = note == null || note.isBlank() ? "top-up" : NewApiKey.checkText("note", note, NewApiKey.MAX_NOTE);
        return db.write(c -> {
            // Checked in SQL, in the same statement: SQLite would turn an overflowing sum into a REAL.
            try (PreparedStatement s = c.prepareStatement("UPDATE api_keys SET balance = balance + ? WHERE id = ? AND balance <= ?")) {
                s.setLong(1, units);
                s.setLong(2, id);
                s.setLong(3, Money.MAX_UNITS - units);
                if (s.executeUpdate() != 1) {
                    if (find(c, id).isEmpty()) throw new IllegalArgumentException("no key with id " + id);
                    throw new InvalidFieldException("amount", "the balance would exceed " + Money.MAX.toPlainString() + " currency units");
                }
            }
            credit(c, id, units, entryNote, now);
            return find(c, id).orElseThrow();
        });
    }

    /** Revokes a key for good; requests in flight finish and are settled as usual. */
    public ApiKey revoke(long id, Instant now) {
        return db.write(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
                s.setLong(1, now.toEpochMilli());
                s.setLong(2, id);
                s.executeUpdate();
            }
            return find(c, id).orElseThrow(() -> new IllegalArgumentException("no key with id " + id));
        });
    }

    public Optional<ApiKey> findBySecretHash(String secretHash) {
        return db.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM api_keys WHERE secret_hash = ?")) {
                s.setString(1, secretHash);
                try (ResultSet r = s.executeQuery()) {
                    return r.next() ? Optional.of(read(r)) : Optional.empty();
                }
            }
        });
    }

    public Optional<ApiKey> find(long id) {
        return db.read(c -> find(c, id));
    }

    /** A key by id (all digits) or by name; a name that several keys share is refused as ambiguous. */
    public ApiKey resolve(String idOrName) {
        if (idOrName.chars().allMatch(Character::isDigit) && !idOrName.isEmpty()) {
            return find(Long.parseLong(idOrName)).orElseThrow(() -> new IllegalArgumentException("no key with id " + idOrName));
        }
        List<ApiKey> named = list().stream().filter(k -> k.name().equals(idOrName)).toList();
        if (named.isEmpty()) throw new IllegalArgumentException("no key named '" + idOrName + "'");
        if (named.size() > 1) throw new IllegalArgumentException("several keys are named '" + idOrName + "': give its id");
        return named.getFirst();
    }

    public List<ApiKey> list() {
        return db.read(c -> {
            List<ApiKey> keys = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM api_keys ORDER BY id");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) keys.add(read(r));
            }
            return keys;
        });
    }

    /** Whether any key was ever created (revoked ones count): once true, the server always demands a key. */
    public boolean any() {
        return db.read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM api_keys LIMIT 1"); ResultSet r = s.executeQuery()) {
                return r.next();
            }
        });
    }

    private static void credit(Connection c, long keyId, long units, String note, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "INSERT INTO ledger_entries (key_id, kind, amount, note, created_at) VALUES (?, 'credit', ?, ?, ?)")) {
            s.setLong(1, keyId);
            s.setLong(2, units);
            s.setString(3, note);
            s.setLong(4, now.toEpochMilli());
            s.executeUpdate();
        }
    }

    static Optional<ApiKey> find(Connection c, long id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM api_keys WHERE id = ?")) {
            s.setLong(1, id);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(read(r)) : Optional.empty();
            }
        }
    }

    private static ApiKey read(ResultSet r) throws SQLException {
        String models = r.getString("models");
        return new ApiKey(r.getLong("id"), r.getString("name"), r.getString("prefix"), r.getString("currency"),
                Money.fromUnits(r.getLong("balance")), Money.fromUnits(r.getLong("reserved")),
                models == null ? List.of() : Arrays.asList(models.split(",")),
                nullableInt(r, "rpm"), nullableInt(r, "tpm"), instant(r, "expires_at"), instant(r, "revoked_at"),
                instant(r, "created_at"));
    }

    static long single(ResultSet r) throws SQLException {
        try (r) {
            if (!r.next()) throw new SQLException("expected one row");
            return r.getLong(1);
        }
    }

    static void setNullableLong(PreparedStatement s, int index, Long value) throws SQLException {
        if (value == null) s.setNull(index, Types.BIGINT);
        else s.setLong(index, value);
    }

    private static Integer nullableInt(ResultSet r, String column) throws SQLException {
        long v = r.getLong(column);
        return r.wasNull() ? null : Math.toIntExact(v);
    }

    static Instant instant(ResultSet r, String column) throws SQLException {
        long v = r.getLong(column);
        return r.wasNull() ? null : Instant.ofEpochMilli(v);
    }
}
