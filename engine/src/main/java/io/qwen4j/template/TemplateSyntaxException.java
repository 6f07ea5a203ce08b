package io.qwen4j.template;

/** The template source could not be parsed (Jinja2's {@code TemplateSyntaxError}). */
public final class TemplateSyntaxException extends TemplateException {
    private final int line;

    public TemplateSyntaxException(String message, int line) {
        super(message + " (line " + line + ")");
        this.line = line;
    }

    /** 1-based line of the template source where the error was detected. */
    public int line() {
        return line;
    }
}
