package io.qwen4j.api;

import java.math.BigDecimal;

/** Prices per 1,000 tokens (filled in by whoever sells the model; null on a plain self-hosted server). */
public record ModelPricing(BigDecimal inputPer1k, BigDecimal outputPer1k, String currency) {
}
