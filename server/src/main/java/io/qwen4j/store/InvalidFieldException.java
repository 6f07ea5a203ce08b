package io.qwen4j.store;

/** A value the store refuses, naming the field it came in (for the API's {@code param}). */
public final class InvalidFieldException extends IllegalArgumentException {
    private final String field;

    public InvalidFieldException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
