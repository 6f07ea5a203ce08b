package io.qwen4j.template;

/**
 * Jinja2's lenient {@code Undefined}: prints as "", iterates as empty, is falsy and has length 0, but
 * attribute access, item access, arithmetic and calls on it raise with {@link #hint()}.
 */
final class Undefined {
    static final Undefined PLAIN = new Undefined("value is undefined", false);

    private final String hint;
    private final boolean security;

    private Undefined(String hint, boolean security) {
        this.hint = hint;
        this.security = security;
    }

    static Undefined named(String name) {
        return new Undefined("'" + name + "' is undefined", false);
    }

    static Undefined missingAttribute(Object obj, String attr) {
        return new Undefined("'" + PyTypes.describeForError(obj) + "' has no attribute '" + attr + "'", false);
    }

    static Undefined missingItem(Object obj, Object key) {
        return new Undefined("'" + PyTypes.describeForError(obj) + "' has no attribute " + PyRepr.repr(key), false);
    }

    static Undefined withHint(String hint) {
        return new Undefined(hint, false);
    }

    /** What the sandbox returns for unsafe attributes (underscore names, mutating methods). */
    static Undefined unsafe(Object obj, String attr) {
        return new Undefined("access to attribute '" + attr + "' of '" + PyTypes.typeName(obj)
                + "' object is unsafe.", true);
    }

    String hint() {
        return hint;
    }

    /** The error raised when this value is used in a way that requires a real value. */
    TemplateException error() {
        return new TemplateException((security ? "SecurityError: " : "UndefinedError: ") + hint);
    }

    @Override
    public String toString() {
        return "";
    }
}
