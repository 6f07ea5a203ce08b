package io.qwen4j.gateway;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Prices per model, read from a JSON file ({@code serve --prices FILE.json}); the file replaces the defaults.
 * <pre>{@code
 * {
 *   "currency": "CNY",
 *   "models": {
 *     "qwen/qwen3-vl-32b-instruct": {"input": "0.0045", "output": "0.014", "cached_input": "0.0045",
 *                                    "aliases": ["Qwen3-VL-32B-Instruct"]},
 *     "*": {"input": 0, "output": 0}
 *   }
 * }}</pre>
 * Prices are per 1,000 tokens, strings or JSON numbers (read as decimals, never as doubles), with at most 7
 * decimal places. {@code cached_input} defaults to {@code input}. A model is found by its exact name, then
 * case-insensitively, then the {@code "*"} entry if there is one. The currency defaults to CNY.
 */
public final class PriceTable {
    public static final String DEFAULT_CURRENCY = "CNY";
    private static final String ANY_MODEL = "*";

    private final String currency;
    private final Map<String, Price> byName; // exact names and aliases, then lower-cased ones

    private PriceTable(String currency, Map<String, Price> byName) {
        this.currency = currency;
        this.byName = byName;
    }

    /** The seed's prices: Qwen3-VL-32B-Instruct at ¥0.0045 in and ¥0.014 out per 1,000 tokens. */
    public static PriceTable defaults() {
        return parse("""
                {"currency": "CNY", "models": {"qwen/qwen3-vl-32b-instruct": {"input": "0.0045", "output": "0.014",
                 "aliases": ["Qwen3-VL-32B-Instruct", "qwen3-vl-32b-instruct"]}}}""");
    }

    public static PriceTable load(Path file) throws IOException {
        try {
            return parse(Files.readString(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public static PriceTable parse(String json) {
        JsonNode root;
        try {
            root = MoneyJson.mapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("the price table is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("the price table must be a JSON object");
        String currency = root.path("currency").asText(DEFAULT_CURRENCY);
        if (!currency.matches("[A-Z]{3}")) throw new IllegalArgumentException("currency must be an ISO 4217 code such as CNY: " + currency);
        JsonNode models = root.path("models");
        if (!models.isObject()) throw new IllegalArgumentException("the price table needs a 'models' object");
        Map<String, Price> byName = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : models.properties()) {
            String model = e.getKey();
            JsonNode p = e.getValue();
            try {
                BigDecimal input = decimal(p, "input", null);
                Price price = new Price(model, currency, input, decimal(p, "cached_input", input), decimal(p, "output", null));
                List<String> names = new ArrayList<>(List.of(model));
                for (JsonNode alias : p.path("aliases")) names.add(alias.asText());
                for (String name : names) {
                    if (byName.putIfAbsent(name, price) != null) throw new IllegalArgumentException("priced twice");
                }
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("model '" + model + "': " + ex.getMessage(), ex);
            }
        }
        Map<String, Price> all = new LinkedHashMap<>(byName);
        byName.forEach((name, price) -> all.putIfAbsent(name.toLowerCase(Locale.ROOT), price));
        return new PriceTable(currency, all);
    }

    private static BigDecimal decimal(JsonNode entry, String field, BigDecimal fallback) {
        JsonNode n = entry.get(field);
        if (n == null || n.isNull()) {
            if (fallback != null) return fallback;
            throw new IllegalArgumentException("'" + field + "' price is missing");
        }
        try {
            if (n.isNumber()) return n.decimalValue();
            if (n.isTextual()) return io.qwen4j.store.Money.parse(n.textValue());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + field + "' price: " + e.getMessage());
        }
        throw new IllegalArgumentException("'" + field + "' must be a decimal number");
    }

    public String currency() {
        return currency;
    }

    /** The price of a model: by exact name or alias, then case-insensitively, then the "*" entry. */
    public Optional<Price> of(String model) {
        if (model == null) return Optional.empty();
        Price p = byName.get(model);
        if (p == null) p = byName.get(model.toLowerCase(Locale.ROOT));
        if (p == null) p = byName.get(ANY_MODEL);
        return Optional.ofNullable(p);
    }

    /** Each priced entry once (aliases folded), in file order. */
    public List<Price> all() {
        return byName.values().stream().distinct().toList();
    }
}
