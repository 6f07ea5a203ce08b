package io.qwen4j.store;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Money as the store keeps it: an integer count of 10⁻¹⁰ currency units in a BIGINT. Exact, and summed
 * exactly by SQL in both SQLite (whose NUMERIC would silently become a double) and PostgreSQL. Everything
 * outside the store is {@link BigDecimal}; nothing on the way is ever a float.
 *
 * <p>The range: every amount (a credit, a top-up, a price, a cost) and every balance is at most
 * {@link #MAX} = 100,000,000 currency units with at most {@link #SCALE} decimal places. An amount outside it is
 * refused before any arithmetic on it, and a top-up that would take a balance past it is refused, so that a
 * sum of a key's ledger entries stays far inside a BIGINT.
 */
public final class Money {
    /** Decimal places kept: prices per 1,000 tokens may have 7, so every cost is exact at 10. */
    public static final int SCALE = 10;
    /** The largest amount and the largest balance, in currency units. */
    public static final BigDecimal MAX = BigDecimal.valueOf(100_000_000);
    /** {@link #MAX} in store units. */
    public static final long MAX_UNITS = 100_000_000L * 10_000_000_000L;
    /** Longest amount text read ({@code "-100000000.0000000000"} is 21 characters). */
    private static final int MAX_TEXT = 32;

    private Money() {
    }

    /**
     * The amount in store units; refuses (rather than rounds) an amount with more than 10 decimal places or
     * beyond ±{@link #MAX}. Cheap for any input: the bounds are checked on precision and scale first.
     */
    public static long toUnits(BigDecimal amount) {
        checkRange(amount);
        return amount.setScale(SCALE, RoundingMode.UNNECESSARY).unscaledValue().longValueExact();
    }

    /** Refuses an amount outside the range (IllegalArgumentException, without echoing an unbounded value). */
    public static void checkRange(BigDecimal amount) {
        if (amount.signum() == 0) return;
        // Digits before the decimal point: precision - scale (the value is below 10^that).
        if ((long) amount.precision() - amount.scale() > 9 || amount.abs().compareTo(MAX) > 0) {
            throw new IllegalArgumentException("the amount is out of range: at most " + MAX.toPlainString() + " currency units");
        }
        if (amount.stripTrailingZeros().scale() > SCALE) {
            throw new IllegalArgumentException("the amount has more than " + SCALE + " decimal places");
        }
    }

    /**
     * A decimal amount written as people write it ({@code "12.50"}, {@code "-3"}, {@code "1e3"}): at most 32
     * characters, then {@link #checkRange}.
     */
    public static BigDecimal parse(String text) {
        String t = text.strip();
        if (t.isEmpty() || t.length() > MAX_TEXT) throw new IllegalArgumentException("not a decimal amount of at most " + MAX_TEXT + " characters");
        BigDecimal amount;
        try {
            amount = new BigDecimal(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a decimal amount");
        }
        checkRange(amount);
        return amount;
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
