package io.qwen4j.store;

import java.math.BigDecimal;

/** Usage summed over closed records; {@code group} is a UTC day (yyyy-mm-dd), a model, or "" for no grouping. */
public record UsageTotals(String group, long requests, long promptTokens, long cachedTokens, long completionTokens,
                          BigDecimal cost) {
    public enum GroupBy { NONE, DAY, MODEL }
}
