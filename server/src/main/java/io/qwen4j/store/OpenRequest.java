package io.qwen4j.store;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A request about to start: what {@link UsageLedger#open} records and holds.
 *
 * @param keyId       null for an anonymous request (server without auth): recorded, never charged
 * @param hold        the worst-case cost to reserve from the key's balance
 * @param priceInput  price per 1,000 prompt tokens, kept with the record so recovery after a crash charges the
 *                    prices the request started with
 */
public record OpenRequest(String requestId, Long keyId, String model, String nodeId, BigDecimal hold,
                          BigDecimal priceInput, BigDecimal priceCached, BigDecimal priceOutput, int promptTokens,
                          Instant startedAt) {
}
