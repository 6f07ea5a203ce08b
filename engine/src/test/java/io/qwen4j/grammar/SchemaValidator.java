package io.qwen4j.grammar;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;

import java.util.List;

/** The independent validator: networknt json-schema-validator, draft from $schema (2020-12 default), formats asserted. */
final class SchemaValidator {
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

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
}
