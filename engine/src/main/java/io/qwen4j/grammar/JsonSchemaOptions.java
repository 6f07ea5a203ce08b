package io.qwen4j.grammar;

/**
 * Options of the JSON Schema compiler.
 *
 * @param additionalPropertiesDefault what an absent {@code additionalProperties} means: {@code true}
 *     (the JSON Schema default: undeclared properties may follow the declared ones) or {@code false}
 *     (OpenAI-strict style: only declared properties)
 */
public record JsonSchemaOptions(boolean additionalPropertiesDefault) {
    /** JSON Schema semantics. */
    public static final JsonSchemaOptions DEFAULT = new JsonSchemaOptions(true);
    /** Undeclared properties are never generated. */
    public static final JsonSchemaOptions NO_UNDECLARED_PROPERTIES = new JsonSchemaOptions(false);
}
