package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.api.ApiException;
import io.qwen4j.gateway.DateArgument;
import io.qwen4j.store.InvalidFieldException;
import io.qwen4j.store.Money;
import io.qwen4j.store.NewApiKey;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The admin API's request bodies, read strictly: a field that is unknown, of another JSON type, or outside its
 * range is a 400 naming it. Admin input fails closed: a {@code models} that is not an array of strings must
 * never become "every model".
 */
final class AdminRequests {
    private static final Set<String> NEW_KEY_FIELDS = Set.of("name", "credit", "models", "rpm", "tpm", "expires");
    private static final Set<String> TOP_UP_FIELDS = Set.of("amount", "note");

    private AdminRequests() {
    }

    /** {@code {"name", "credit"?, "models"?: [string…], "rpm"?, "tpm"?, "expires"?: "yyyy-mm-dd" | ISO date-time}}. */
    static NewApiKey newKey(JsonNode body, String currency) {
        onlyFields(body, NEW_KEY_FIELDS);
        String name = text(body, "name", true);
        BigDecimal credit = decimal(body, "credit");
        List<String> models = new ArrayList<>();
        JsonNode m = body.get("models");
        if (m != null && !m.isNull()) {
            if (!m.isArray()) throw ApiException.invalid("models", "'models' must be an array of model names");
            for (int i = 0; i < m.size(); i++) {
                if (!m.get(i).isTextual()) throw ApiException.invalid("models[" + i + "]", "'models[" + i + "]' must be a string");
                models.add(m.get(i).textValue());
            }
        }
        Integer rpm = integer(body, "rpm");
        Integer tpm = integer(body, "tpm");
        String expires = text(body, "expires", false);
        try {
            return new NewApiKey(name, credit, currency, models, rpm, tpm, expires == null ? null : DateArgument.parse(expires));
        } catch (InvalidFieldException e) {
            throw ApiException.invalid(e.field(), e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("expires", "'expires': " + e.getMessage());
        }
    }

    /** {@code {"amount", "note"?}}: the amount; the note through {@link #note}. */
    static BigDecimal topUpAmount(JsonNode body) {
        onlyFields(body, TOP_UP_FIELDS);
        BigDecimal amount = decimal(body, "amount");
        if (amount == null) throw ApiException.invalid("amount", "'amount' is required");
        if (amount.signum() <= 0) throw ApiException.invalid("amount", "'amount' must be positive");
        return amount;
    }

    static String note(JsonNode body) {
        String note = text(body, "note", false);
        if (note == null) return null;
        try {
            return NewApiKey.checkText("note", note, NewApiKey.MAX_NOTE);
        } catch (InvalidFieldException e) {
            throw ApiException.invalid(e.field(), e.getMessage());
        }
    }

    private static void onlyFields(JsonNode body, Set<String> allowed) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                String shown = f.length() > 64 ? f.substring(0, 64) + "…" : f;
                throw ApiException.invalid(shown, "unknown field '" + shown.replaceAll("\\p{C}", "?") + "'; expected one of " + new java.util.TreeSet<>(allowed));
            }
        }
    }

    private static String text(JsonNode body, String field, boolean required) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            if (required) throw ApiException.invalid(field, "'" + field + "' is required");
            return null;
        }
        if (!n.isTextual()) throw ApiException.invalid(field, "'" + field + "' must be a string");
        return n.textValue();
    }

    /** A decimal string or JSON number, range-checked before any arithmetic. */
    static BigDecimal decimal(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        try {
            if (n.isNumber()) {
                BigDecimal d = n.decimalValue();
                Money.checkRange(d);
                return d;
            }
            if (n.isTextual()) return Money.parse(n.textValue());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(field, "'" + field + "': " + e.getMessage());
        }
        throw ApiException.invalid(field, "'" + field + "' must be a decimal amount (a string or a number)");
    }

    private static Integer integer(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isIntegralNumber() || !n.canConvertToInt()) throw ApiException.invalid(field, "'" + field + "' must be an integer");
        return n.intValue();
    }
}
