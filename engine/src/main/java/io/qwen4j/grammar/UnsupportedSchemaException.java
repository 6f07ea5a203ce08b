package io.qwen4j.grammar;

/**
 * A schema (or tool definition) that the constraint engine refuses: a keyword it cannot enforce, a limit
 * exceeded, or an invalid schema. {@link #keyword()} names the offending keyword so the API can answer 400
 * with it; nothing is ever silently ignored.
 */
public class UnsupportedSchemaException extends IllegalArgumentException {
    private final String keyword;

    public UnsupportedSchemaException(String keyword, String message) {
        super(message);
        this.keyword = keyword;
    }

    /** The JSON Schema keyword (or limit name, e.g. {@code "limits"}) that caused the refusal. */
    public String keyword() {
        return keyword;
    }
}
