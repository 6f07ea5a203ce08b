package io.qwen4j.template;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Jinja2's built-in tests ({@code x is defined}, {@code x is string}, ...). */
final class BuiltinTests {
    static final Set<String> NAMES = Set.of(
            "odd", "even", "divisibleby", "defined", "undefined", "filter", "test", "none", "boolean", "false",
            "true", "integer", "float", "lower", "upper", "string", "mapping", "number", "sequence", "iterable",
            "callable", "sameas", "escaped", "in", "==", "eq", "equalto", "!=", "ne", ">", "gt", "greaterthan",
            ">=", "ge", "<", "lt", "lessthan", "<=", "le");

    private BuiltinTests() { }

    static boolean test(String name, Object value, Arguments args, RenderContext ctx) {
        List<Object> a = args.positional();
        switch (name) {
            case "defined" -> {
                return !(value instanceof Undefined);
            }
            case "undefined" -> {
                return value instanceof Undefined;
            }
            case "none" -> {
                return value == null;
            }
            case "string" -> {
                return PyTypes.isString(value);
            }
            case "mapping" -> {
                return value instanceof Map<?, ?>;
            }
            case "iterable" -> {
                return value instanceof List<?> || value instanceof Map<?, ?> || value instanceof PyTuple
                        || PyTypes.isString(value) || value instanceof Undefined || value instanceof PyGenerator
                        || value instanceof PyDictView;
            }
            case "sequence" -> {
                return value instanceof List<?> || value instanceof Map<?, ?> || value instanceof PyTuple
                        || PyTypes.isString(value) || value instanceof Undefined;
            }
            case "number" -> {
                return PyTypes.isNumber(value);
            }
            case "integer" -> {
                return value instanceof Long || value instanceof BigInteger;
            }
            case "float" -> {
                return value instanceof Double;
            }
            case "boolean" -> {
                return value instanceof Boolean;
            }
            case "true" -> {
                return Boolean.TRUE.equals(value);
            }
            case "false" -> {
                return Boolean.FALSE.equals(value);
            }
            case "callable" -> {
                return value instanceof PyCallable;
            }
            case "odd", "even" -> {
                return PyOps.eq(PyOps.mod(value, 2L), name.equals("odd") ? 1L : 0L);
            }
            case "divisibleby" -> {
                return PyOps.eq(PyOps.mod(value, arg(a, 0, name)), 0L);
            }
            case "lower" -> {
                return PyStringPredicates.test("islower", PyRepr.str(value));
            }
            case "upper" -> {
                return PyStringPredicates.test("isupper", PyRepr.str(value));
            }
            case "escaped" -> {
                return value instanceof Markup;
            }
            case "filter" -> {
                return value instanceof String s && BuiltinFilters.NAMES.contains(s);
            }
            case "test" -> {
                return value instanceof String s && NAMES.contains(s);
            }
            case "sameas" -> {
                Object other = arg(a, 0, name);
                if (value == other) return true;
                if (value == null || other == null) return false;
                if (value instanceof Boolean || other instanceof Boolean) return value.equals(other);
                if (value instanceof Long x && other instanceof Long y) return x.equals(y) && x >= -5 && x <= 256;
                return false;
            }
            case "in" -> {
                return PyOps.contains(arg(a, 0, name), value);
            }
            case "==", "eq", "equalto" -> {
                return PyOps.eq(value, arg(a, 0, name));
            }
            case "!=", "ne" -> {
                return !PyOps.eq(value, arg(a, 0, name));
            }
            case ">", "gt", "greaterthan" -> {
                return PyOps.compare(value, arg(a, 0, name), ">") > 0;
            }
            case ">=", "ge" -> {
                return PyOps.compare(value, arg(a, 0, name), ">=") >= 0;
            }
            case "<", "lt", "lessthan" -> {
                return PyOps.compare(value, arg(a, 0, name), "<") < 0;
            }
            case "<=", "le" -> {
                return PyOps.compare(value, arg(a, 0, name), "<=") <= 0;
            }
            default -> throw new TemplateException("TemplateRuntimeError: No test named '" + name + "'.");
        }
    }

    private static Object arg(List<Object> a, int i, String test) {
        if (a.size() <= i) throw PyTypes.typeError("test '" + test + "' missing a required argument");
        return a.get(i);
    }
}
