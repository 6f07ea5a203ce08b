package io.qwen4j.store;

import java.math.BigDecimal;

/** One request's usage as recorded; {@code latencyMs} is null while it is open. */
public record UsageRecord(long id, String requestId, Long keyId, String model, UsageStatus status, int promptTokens,
                          int cachedTokens, int completionTokens, BigDecimal cost, BigDecimal hold, Long latencyMs,
                          String error) {
}
