package io.qwen4j.gateway;

import io.qwen4j.api.Usage;

import java.math.BigDecimal;

/**
 * A model's prices per 1,000 tokens, in one currency.
 *
 * <p>Rounding rule: there is none. Prices have at most 7 decimal places (checked by {@link PriceTable}),
 * so {@code tokens × price ÷ 1000} has at most 10, and every cost is kept exactly at 10 decimal places
 * ({@link io.qwen4j.store.Money#SCALE}); per-request costs add up to totals without any rounding drift.
 */
public record Price(String model, String currency, BigDecimal input, BigDecimal cachedInput, BigDecimal output) {
    /** Decimal places a price per 1,000 tokens may have. */
    public static final int MAX_SCALE = 7;
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);

    public Price {
        check("input", input);
        check("cached_input", cachedInput);
        check("output", output);
    }

    public static Price free(String model, String currency) {
        return new Price(model, currency, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);
    }

    private static void check(String what, BigDecimal price) {
        if (price == null || price.signum() < 0) throw new IllegalArgumentException(what + " price must be a non-negative decimal");
        io.qwen4j.store.Money.checkRange(price);
        if (price.stripTrailingZeros().scale() > MAX_SCALE) {
            throw new IllegalArgumentException(what + " price " + price.stripTrailingZeros() + " has more than " + MAX_SCALE
                    + " decimal places (prices are per 1,000 tokens and costs are exact to 10 places)");
        }
    }

    /** {@code ((prompt − cached)·input + cached·cachedInput + completion·output) / 1000}, exact. */
    public BigDecimal cost(Usage usage) {
        BigDecimal sum = input.multiply(BigDecimal.valueOf(usage.promptTokens() - usage.cachedTokens()))
                .add(cachedInput.multiply(BigDecimal.valueOf(usage.cachedTokens())))
                .add(output.multiply(BigDecimal.valueOf(usage.completionTokens())));
        return sum.divide(THOUSAND).setScale(io.qwen4j.store.Money.SCALE);
    }

    /** The most a request can cost: every prompt token at the dearer input price, and {@code maxTokens} generated. */
    public BigDecimal worstCase(int promptTokens, int maxTokens) {
        BigDecimal in = input.max(cachedInput);
        return in.multiply(BigDecimal.valueOf(promptTokens)).add(output.multiply(BigDecimal.valueOf(maxTokens)))
                .divide(THOUSAND).setScale(io.qwen4j.store.Money.SCALE);
    }

    public boolean isFree() {
        return input.signum() == 0 && cachedInput.signum() == 0 && output.signum() == 0;
    }
}
