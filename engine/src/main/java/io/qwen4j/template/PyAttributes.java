package io.qwen4j.template;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jinja2's sandboxed attribute and item lookup: {@code x.name} tries the Python attribute first and
 * then the item; {@code x[key]} the item first, then the attribute. Missing ones give Undefined.
 */
final class PyAttributes {
    static final Set<String> STR_METHODS = Set.of(
            "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find", "format",
            "format_map", "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier",
            "islower", "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower",
            "lstrip", "maketrans", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex",
            "rjust", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase",
            "title", "translate", "upper", "zfill");
    static final Set<String> DICT_METHODS = Set.of("copy", "fromkeys", "get", "items", "keys", "values");
    static final Set<String> DICT_MUTATORS = Set.of("clear", "pop", "popitem", "setdefault", "update");
    static final Set<String> LIST_METHODS = Set.of("copy", "count", "index");
    static final Set<String> LIST_MUTATORS = Set.of("append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort");
    static final Set<String> TUPLE_METHODS = Set.of("count", "index");
    static final Set<String> INT_METHODS = Set.of("bit_length", "conjugate", "as_integer_ratio", "bit_count");
    static final Set<String> FLOAT_METHODS = Set.of("is_integer", "conjugate", "as_integer_ratio", "hex");

    private PyAttributes() { }

    private static boolean isDunder(String name) {
        return name.startsWith("__") && name.endsWith("__") && name.length() > 4;
    }

    /** {@code obj.name}. */
    static Object getAttr(Object obj, String name) {
        if (obj instanceof Undefined u) throw u.error();
        if (isDunder(name) || name.equals("mro")) return Undefined.unsafe(obj, name);
        switch (obj) {
            case Map<?, ?> map -> {
                if (DICT_METHODS.contains(name)) return new BoundMethod(obj, name);
                if (DICT_MUTATORS.contains(name)) return Undefined.unsafe(obj, name);
                Object v = PyOps.dictGet(map, name);
                return v != PyOps.MISSING ? v : Undefined.missingAttribute(obj, name);
            }
            case String s -> {
                return STR_METHODS.contains(name) ? new BoundMethod(obj, name) : Undefined.missingAttribute(obj, name);
            }
            case Markup m -> {
                return STR_METHODS.contains(name) ? new BoundMethod(obj, name) : Undefined.missingAttribute(obj, name);
            }
            case List<?> l -> {
                if (LIST_METHODS.contains(name)) return new BoundMethod(obj, name);
                if (LIST_MUTATORS.contains(name)) return Undefined.unsafe(obj, name);
                return Undefined.missingAttribute(obj, name);
            }
            case PyTuple t -> {
                return TUPLE_METHODS.contains(name) ? new BoundMethod(obj, name) : Undefined.missingAttribute(obj, name);
            }
            case Namespace ns -> {
                Object v = ns.attributes.get(name);
                return v != null || ns.attributes.containsKey(name) ? v : Undefined.missingAttribute(obj, name);
            }
            case LoopContext loop -> {
                return loop.attribute(name);
            }
            case Macro macro -> {
                return switch (name) {
                    case "name" -> macro.name();
                    case "arguments" -> new PyTuple(List.copyOf(macro.paramNames()));
                    default -> Undefined.missingAttribute(obj, name);
                };
            }
            case Boolean b -> {
                return numberAttribute(b ? 1L : 0L, obj, name);
            }
            case Long l -> {
                return numberAttribute(obj, obj, name);
            }
            case java.math.BigInteger b -> {
                return numberAttribute(obj, obj, name);
            }
            case Double d -> {
                return numberAttribute(obj, obj, name);
            }
            case PyDictView view -> {
                return name.equals("mapping") ? view.dict() : Undefined.missingAttribute(obj, name);
            }
            case null, default -> {
                return Undefined.missingAttribute(obj, name);
            }
        }
    }

    private static Object numberAttribute(Object value, Object original, String name) {
        if (name.equals("real")) return value instanceof Double ? value : PyNumbers.asNumber(value);
        if (name.equals("imag")) return value instanceof Double ? (Object) 0.0 : (Object) 0L;
        if (name.equals("numerator") && !(value instanceof Double)) return value;
        if (name.equals("denominator") && !(value instanceof Double)) return 1L;
        if (value instanceof Double ? FLOAT_METHODS.contains(name) : INT_METHODS.contains(name)) {
            return new BoundMethod(original, name);
        }
        return Undefined.missingAttribute(original, name);
    }

    /** {@code obj[key]}. */
    static Object getItem(Object obj, Object key) {
        if (obj instanceof Undefined u) throw u.error();
        Object found = lookupItem(obj, key);
        if (found != PyOps.MISSING) return found;
        if (key instanceof String s) return getAttr(obj, s);
        if (key instanceof Markup m) return getAttr(obj, m.text());
        return Undefined.missingItem(obj, key);
    }

    /** {@code obj[start:stop:step]} with Python's errors for unsliceable values. */
    static Object slice(Object obj, PySlice slice) {
        return switch (obj) {
            case String s -> PyStrings.slice(s, slice);
            case List<?> l -> {
                @SuppressWarnings("unchecked") List<Object> list = (List<Object>) l;
                yield PySequences.slice(list, slice);
            }
            case PyTuple t -> new PyTuple(PySequences.slice(t.items(), slice));
            case Markup m -> new Markup(PyStrings.slice(m.text(), slice));
            case Undefined u -> throw u.error();
            case Map<?, ?> m -> throw PyTypes.typeError("unhashable type: 'slice'");
            case null, default -> throw PyTypes.typeError("'" + PyTypes.typeName(obj) + "' object is not subscriptable");
        };
    }

    private static Object lookupItem(Object obj, Object key) {
        switch (obj) {
            case Map<?, ?> map -> {
                if (key instanceof List<?> || key instanceof Map<?, ?> || key instanceof PySlice) return PyOps.MISSING;
                return PyOps.dictGet(map, key);
            }
            case List<?> list -> {
                @SuppressWarnings("unchecked") List<Object> l = (List<Object>) list;
                if (key instanceof PySlice s) return PySequences.slice(l, s);
                int i = PySequences.index(key, l.size());
                return i < 0 ? PyOps.MISSING : l.get(i);
            }
            case PyTuple t -> {
                if (key instanceof PySlice s) return new PyTuple(PySequences.slice(t.items(), s));
                int i = PySequences.index(key, t.items().size());
                return i < 0 ? PyOps.MISSING : t.items().get(i);
            }
            case String s -> {
                if (key instanceof PySlice sl) return PyStrings.slice(s, sl);
                if (!(key instanceof Long) && !(key instanceof Boolean)) return PyOps.MISSING;
                String c = PyStrings.charAt(s, key instanceof Long l ? l : ((Boolean) key ? 1 : 0));
                return c == null ? PyOps.MISSING : c;
            }
            case Markup m -> {
                Object v = lookupItem(m.text(), key);
                return v instanceof String s ? new Markup(s) : v;
            }
            case null, default -> {
                return PyOps.MISSING;
            }
        }
    }
}
