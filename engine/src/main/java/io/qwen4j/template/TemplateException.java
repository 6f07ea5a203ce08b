package io.qwen4j.template;

/**
 * Any failure of a chat template: a syntax error while compiling, a runtime error while rendering
 * (what Python/Jinja2 would raise: undefined attribute, {@code str + list}, sandbox violation, ...), or
 * the template's own {@code raise_exception(msg)} (see {@link TemplateRaisedException}).
 */
public class TemplateException extends RuntimeException {
    public TemplateException(String message) {
        super(message);
    }

    public TemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
