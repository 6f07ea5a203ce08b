package io.qwen4j.store;

import java.math.BigDecimal;
import java.time.Instant;

/** How a request ended: the final state, tokens and cost written by {@link UsageLedger#close}. */
public record Closing(UsageStatus status, int promptTokens, int cachedTokens, int completionTokens, BigDecimal cost,
                      Instant finishedAt, long latencyMs, String error) {
    public Closing {
        if (status == UsageStatus.OPEN) throw new IllegalArgumentException("a closing needs a final status");
        if (cost.signum() < 0) throw new IllegalArgumentException("negative cost " + cost.toPlainString());
    }
}
