package io.qwen4j.template;

import java.util.List;
import java.util.Map;

/**
 * Binds Python-style call arguments (positional then keyword) to named parameters of a builtin,
 * raising TypeError like Python for missing or unexpected ones.
 */
final class CallArgs {
    private final String function;
    private final List<Object> args;
    private final Map<String, Object> kwargs;
    private final String[] names;
    private int consumedKwargs;

    CallArgs(String function, List<Object> args, Map<String, Object> kwargs, String... names) {
        this.function = function;
        this.args = args;
        this.kwargs = kwargs;
        this.names = names;
        if (args.size() > names.length) {
            throw PyTypes.typeError(function + "() takes at most " + names.length + " argument(s) ("
                    + args.size() + " given)");
        }
        for (String k : kwargs.keySet()) {
            int idx = indexOf(k);
            if (idx < 0) throw PyTypes.typeError(function + "() got an unexpected keyword argument '" + k + "'");
            if (idx < args.size()) throw PyTypes.typeError(function + "() got multiple values for argument '" + k + "'");
        }
    }

    private int indexOf(String name) {
        for (int i = 0; i < names.length; i++) if (names[i].equals(name)) return i;
        return -1;
    }

    boolean has(int i) {
        return i < args.size() || kwargs.containsKey(names[i]);
    }

    Object get(int i, Object defaultValue) {
        if (i < args.size()) return args.get(i);
        if (kwargs.containsKey(names[i])) {
            consumedKwargs++;
            return kwargs.get(names[i]);
        }
        return defaultValue;
    }

    Object require(int i) {
        if (!has(i)) throw PyTypes.typeError(function + "() missing required argument '" + names[i] + "'");
        return get(i, null);
    }

    String string(int i, String defaultValue) {
        Object v = get(i, defaultValue);
        if (v == null && defaultValue == null) return null;
        if (v instanceof Markup m) return m.text();
        if (!(v instanceof String s)) {
            if (v instanceof Undefined u) throw u.error();
            throw PyTypes.typeError(function + "() argument '" + names[i] + "' must be str, not " + PyTypes.typeName(v));
        }
        return s;
    }

    /** An optional str argument where None means "not given". */
    String optionalString(int i) {
        Object v = get(i, null);
        if (v == null) return null;
        if (v instanceof Markup m) return m.text();
        if (!(v instanceof String s)) throw PyTypes.typeError("must be str or None, not " + PyTypes.typeName(v));
        return s;
    }

    long integer(int i, long defaultValue) {
        Object v = get(i, defaultValue);
        if (v instanceof Long l) return l;
        if (v instanceof Boolean b) return b ? 1 : 0;
        if (v instanceof java.math.BigInteger b) return b.signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        if (v instanceof Undefined u) throw u.error();
        throw PyTypes.typeError("'" + PyTypes.typeName(v) + "' object cannot be interpreted as an integer");
    }

    boolean bool(int i, boolean defaultValue) {
        return PyOps.truthy(get(i, defaultValue));
    }
}
