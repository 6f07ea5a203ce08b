package io.qwen4j.store;

import java.math.BigDecimal;
import java.util.List;

/** What {@link UsageLedger#check} found: per-key totals, the inconsistencies (none when clean), requests in flight. */
public record LedgerReport(List<KeyLine> keys, List<String> problems, long openRequests) {

    public boolean clean() {
        return problems.isEmpty();
    }

    public record KeyLine(long id, String name, String currency, BigDecimal credits, BigDecimal charges,
                          BigDecimal balance, BigDecimal reserved, long openRequests) {
    }
}
