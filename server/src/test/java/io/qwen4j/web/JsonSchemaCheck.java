package io.qwen4j.web;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;

import java.util.List;

/** An independent JSON Schema validator (networknt, draft 2020-12, formats asserted) for outputs over HTTP. */
final class JsonSchemaCheck {
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    private final Schema schema;

    JsonSchemaCheck(String schemaText) {
        this.schema = REGISTRY.getSchema(schemaText, InputFormat.JSON);
    }

    /** Null when the instance parses and is valid, else why not. */
    String errors(String instanceText) {
        try {
            List<com.networknt.schema.Error> errs = schema.validate(instanceText, InputFormat.JSON);
            return errs.isEmpty() ? null : errs.toString();
        } catch (RuntimeException e) {
            return "unparseable: " + e.getMessage();
        }
    }
}
