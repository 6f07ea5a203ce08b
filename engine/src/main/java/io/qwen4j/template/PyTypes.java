package io.qwen4j.template;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/** Python type names of template values (for error messages and type checks). */
final class PyTypes {
    private PyTypes() { }

    static String typeName(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case String s -> "str";
            case Boolean b -> "bool";
            case Long l -> "int";
            case BigInteger b -> "int";
            case Double d -> "float";
            case List<?> l -> "list";
            case PyTuple t -> "tuple";
            case Map<?, ?> m -> "dict";
            case Markup m -> "Markup";
            case Undefined u -> "Undefined";
            case Namespace n -> "Namespace";
            case PyGenerator g -> "generator";
            case PyDictView d -> d.typeName();
            case LoopContext l -> "LoopContext";
            case Macro m -> "Macro";
            case BoundMethod b -> "builtin_function_or_method";
            case PyCallable c -> "function";
            case PySlice s -> "slice";
            default -> v.getClass().getSimpleName();
        };
    }

    /** Jinja2's {@code object_type_repr}: "None", "dict object", ... */
    static String describeForError(Object v) {
        if (v == null) return "None";
        return typeName(v) + " object";
    }

    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof BigInteger;
    }

    /** Python numbers, bool included. */
    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean || v instanceof BigInteger;
    }

    static boolean isString(Object v) {
        return v instanceof String || v instanceof Markup;
    }

    static TemplateException typeError(String msg) {
        return new TemplateException("TypeError: " + msg);
    }
}
