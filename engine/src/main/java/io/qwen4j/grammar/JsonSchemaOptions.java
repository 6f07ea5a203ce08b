package io.qwen4j.grammar;

/**
 * Options of the JSON Schema compiler.
 *
 * @param additionalPropertiesDefault what an absent {@code additionalProperties} means: {@code true}
 *     (the JSON Schema default: undeclared properties may follow the declared ones) or {@code false}
 *     (OpenAI-strict style: only declared properties)
 * @param maxIndent whitespace allowed before a JSON token: at most one space, or one line break followed by
 *     at most this many spaces or tabs; negative: no line break (compact, one optional space)
 * @param maxStringLength the length bound (code points) of strings whose schema sets no {@code maxLength},
 *     {@code pattern}, {@code format} or {@code enum} (undeclared keys and strings of any-value schemas
 *     included); negative: unbounded
 */
public record JsonSchemaOptions(boolean additionalPropertiesDefault, int maxIndent, int maxStringLength) {
    /** Pretty-printing up to 16 levels of 2-space indentation; no longer runs of whitespace. */
    public static final int DEFAULT_MAX_INDENT = 32;
    /** Far beyond what a schema without maxLength usually means, short of a runaway generation. */
    public static final int DEFAULT_MAX_STRING_LENGTH = 4096;

    /** JSON Schema semantics. */
    public static final JsonSchemaOptions DEFAULT = new JsonSchemaOptions(true, DEFAULT_MAX_INDENT, DEFAULT_MAX_STRING_LENGTH);
    /** Undeclared properties are never generated. */
    public static final JsonSchemaOptions NO_UNDECLARED_PROPERTIES = new JsonSchemaOptions(false, DEFAULT_MAX_INDENT, DEFAULT_MAX_STRING_LENGTH);

    public JsonSchemaOptions withMaxIndent(int indent) {
        return new JsonSchemaOptions(additionalPropertiesDefault, indent, maxStringLength);
    }

    public JsonSchemaOptions withMaxStringLength(int length) {
        return new JsonSchemaOptions(additionalPropertiesDefault, maxIndent, length);
    }
}
