package io.qwen4j.store;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Money as the store keeps it: an integer count of 10⁻¹⁰ currency units in a BIGINT. Exact, and summed
 * exactly by SQL in both SQLite (whose NUMERIC would silently become a double) and PostgreSQL. The range,
 * ±9.2 × 10⁸ currency units per amount, is far beyond any key's balance. Everything outside the store is
 * {@link BigDecimal}; nothing on the way is ever a float.
 */
public final class Money {
    /** Decimal places kept: prices per 1,000 tokens may have 7, so every cost is exact at 10. */
    public static final int SCALE = 10;

    private Money() {
    }

    /** The amount in store units; refuses (rather than rounds) an amount with more than 10 decimal places. */
    public static long toUnits(BigDecimal amount) {
        try {
            return amount.setScale(SCALE, RoundingMode.UNNECESSARY).unscaledValue().longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("amount " + amount.toPlainString() + " has more than " + SCALE
                    + " decimal places or is out of range", e);
        }
    }

    public static BigDecimal fromUnits(long units) {
        return BigDecimal.valueOf(units, SCALE);
    }

    /** For people and JSON: trailing zeros dropped, but at least two decimal places ("10.00", "0.0000045"). */
    public static BigDecimal plain(BigDecimal amount) {
        BigDecimal stripped = amount.stripTrailingZeros();
        return stripped.scale() < 2 ? stripped.setScale(2, RoundingMode.UNNECESSARY) : stripped;
    }
}
