package io.qwen4j.store;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * An API key as stored (never its secret). {@code balance} is credits minus charges; {@code reserved} is held
 * for requests in flight, so {@link #available()} is what a new request may reserve.
 *
 * @param models the allow-list; empty: every model
 * @param rpm    requests per minute, or null for no limit
 * @param tpm    tokens per minute, or null for no limit
 */
public record ApiKey(long id, String name, String prefix, String currency, BigDecimal balance, BigDecimal reserved,
                     List<String> models, Integer rpm, Integer tpm, Instant expiresAt, Instant revokedAt,
                     Instant createdAt) {

    public BigDecimal available() {
        return balance.subtract(reserved);
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    public boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    public boolean allows(String model) {
        return models.isEmpty() || models.contains(model);
    }
}
