package io.qwen4j.grammar;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;

/** The independent validator: networknt json-schema-validator, draft from $schema (2020-12 default), formats asserted. */
final class SchemaValidator {
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    /** Floats as BigDecimal: JSON numbers as the mathematical values JSON Schema speaks of, beyond double range too. */
    private static final JsonMapper LOSSLESS = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    private static final java.math.BigDecimal DOUBLE_MAX = new java.math.BigDecimal(Double.MAX_VALUE);

    private final Schema schema;

    SchemaValidator(String schemaText) {
        this.schema = REGISTRY.getSchema(schemaText, InputFormat.JSON);
    }

    /** Null when valid, else the errors (a parse failure counts as invalid). */
    String errors(String instanceText) {
        try {
            List<com.networknt.schema.Error> errs = schema.validate(instanceText, InputFormat.JSON);
            return errs.isEmpty() ? null : errs.toString();
        } catch (RuntimeException e) {
            return "unparseable: " + e.getMessage();
        }
    }

    /**
     * Like {@link #errors(String)}, but the instance is parsed with floats as BigDecimal: a number such as
     * {@code 5E400} is a valid JSON Schema {@code number}, which the default (double) parse turns into infinity
     * and then rejects.
     */
    String errorsLossless(String instanceText) {
        try {
            JsonNode n = LOSSLESS.readTree(instanceText);
            List<com.networknt.schema.Error> errs = schema.validate(n);
            return errs.isEmpty() ? null : errs.toString();
        } catch (RuntimeException e) {
            return "unparseable: " + e.getMessage();
        }
    }

    /** True when the instance holds a number whose double value overflows (|x| beyond 1.8E308). */
    static boolean hasNumberBeyondDouble(String instanceText) {
        return beyondDouble(LOSSLESS.readTree(instanceText));
    }

    private static boolean beyondDouble(JsonNode n) {
        if (n.isNumber()) return n.decimalValue().abs().compareTo(DOUBLE_MAX) > 0;
        for (JsonNode c : n.values()) if (beyondDouble(c)) return true;
        return false;
    }
}
