package io.qwen4j.store;

import java.math.BigDecimal;

/** The key's available balance (balance minus holds of requests in flight) cannot cover a request's worst case. */
public final class InsufficientBalanceException extends RuntimeException {
    private final BigDecimal available;
    private final BigDecimal needed;

    public InsufficientBalanceException(BigDecimal available, BigDecimal needed) {
        super("available balance " + available.stripTrailingZeros().toPlainString() + " is less than the "
                + needed.stripTrailingZeros().toPlainString() + " this request may cost");
        this.available = available;
        this.needed = needed;
    }

    public BigDecimal available() {
        return available;
    }

    public BigDecimal needed() {
        return needed;
    }
}
