package io.qwen4j.store;

import java.math.BigDecimal;
import java.time.Instant;

/** A usage record still open: its request is in flight, or died with its process and awaits recovery. */
public record OpenRecord(long id, String requestId, Long keyId, String model, String nodeId, BigDecimal hold,
                         BigDecimal priceInput, BigDecimal priceCached, BigDecimal priceOutput, int promptTokens,
                         int cachedTokens, int completionTokens, Instant startedAt) {
}
