package io.qwen4j.store;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/** What {@code keys create} (or the admin API) asks for; see {@link ApiKey} for the meaning of each field. */
public record NewApiKey(String name, BigDecimal credit, String currency, List<String> models, Integer rpm, Integer tpm,
                        Instant expiresAt) {
    public NewApiKey {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("a key needs a name");
        if (credit == null) credit = BigDecimal.ZERO;
        if (credit.signum() < 0) throw new IllegalArgumentException("credit must not be negative: " + credit.toPlainString());
        if (currency == null || currency.isBlank()) throw new IllegalArgumentException("a key needs a currency");
        models = models == null ? List.of() : models.stream().map(String::strip).filter(m -> !m.isEmpty()).toList();
        for (String m : models) {
            if (m.contains(",")) throw new IllegalArgumentException("a model name cannot contain ',': " + m);
        }
        if (rpm != null && rpm <= 0) throw new IllegalArgumentException("rpm must be positive: " + rpm);
        if (tpm != null && tpm <= 0) throw new IllegalArgumentException("tpm must be positive: " + tpm);
    }
}
