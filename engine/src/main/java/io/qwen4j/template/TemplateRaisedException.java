package io.qwen4j.template;

/**
 * The template called {@code raise_exception(message)}. {@link #getMessage()} is the template's own
 * message, verbatim, so that a server can show it to the API caller.
 */
public final class TemplateRaisedException extends TemplateException {
    public TemplateRaisedException(String message) {
        super(message);
    }
}
