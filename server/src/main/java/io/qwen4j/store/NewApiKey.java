package io.qwen4j.store;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * What {@code keys create} (or the admin API) asks for; see {@link ApiKey} for the meaning of each field.
 * Refused ({@link InvalidFieldException}) unless every field has its documented shape: a name of 1 to 64
 * characters, at most 64 model names of at most 128 characters, no control or bidirectional-formatting
 * characters in either, a credit within {@link Money}'s range, positive limits.
 */
public record NewApiKey(String name, BigDecimal credit, String currency, List<String> models, Integer rpm, Integer tpm,
                        Instant expiresAt) {
    public static final int MAX_NAME = 64;
    public static final int MAX_MODELS = 64;
    public static final int MAX_MODEL_NAME = 128;
    public static final int MAX_NOTE = 256;

    public NewApiKey {
        if (name == null || name.isBlank()) throw new InvalidFieldException("name", "a key needs a name");
        checkText("name", name, MAX_NAME);
        if (credit == null) credit = BigDecimal.ZERO;
        if (credit.signum() < 0) throw new InvalidFieldException("credit", "credit must not be negative");
        try {
            Money.checkRange(credit);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException("credit", "credit: " + e.getMessage());
        }
        if (currency == null || currency.isBlank()) throw new InvalidFieldException("currency", "a key needs a currency");
        models = models == null ? List.of() : models.stream().map(String::strip).toList();
        if (models.size() > MAX_MODELS) throw new InvalidFieldException("models", "a key may name at most " + MAX_MODELS + " models");
        for (String m : models) {
            if (m.isEmpty()) throw new InvalidFieldException("models", "a model name must not be empty");
            checkText("models", m, MAX_MODEL_NAME);
            if (m.contains(",")) throw new InvalidFieldException("models", "a model name cannot contain ','");
        }
        if (rpm != null && rpm <= 0) throw new InvalidFieldException("rpm", "rpm must be positive: " + rpm);
        if (tpm != null && tpm <= 0) throw new InvalidFieldException("tpm", "tpm must be positive: " + tpm);
    }

    /**
     * Refuses text longer than {@code max} characters or holding control characters (NUL, ANSI escapes, line
     * breaks) or invisible formatting ones (bidirectional overrides, zero-width joiners): they would forge
     * lines in logs and terminals or disguise one name as another. Returns the text.
     */
    public static String checkText(String field, String text, int max) {
        if (text.length() > max) throw new InvalidFieldException(field, "'" + field + "' is longer than " + max + " characters");
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int type = Character.getType(cp);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE || type == Character.UNASSIGNED) {
                throw new InvalidFieldException(field, String.format("'%s' holds the control or formatting character U+%04X", field, cp));
            }
            i += Character.charCount(cp);
        }
        return text;
    }
}
