package io.qwen4j.template;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Global functions: Jinja2's range/dict/namespace/joiner plus transformers' raise_exception and strftime_now. */
final class BuiltinGlobals {
    /** Jinja2's sandbox refuses larger ranges. */
    static final int MAX_RANGE = 100_000;

    static final Map<String, Object> GLOBALS = Map.of(
            "range", (PyCallable) BuiltinGlobals::range,
            "dict", (PyCallable) BuiltinGlobals::dict,
            "namespace", (PyCallable) BuiltinGlobals::namespace,
            "joiner", (PyCallable) BuiltinGlobals::joiner,
            "raise_exception", (PyCallable) BuiltinGlobals::raiseException,
            "strftime_now", (PyCallable) BuiltinGlobals::strftimeNow);

    private BuiltinGlobals() { }

    private static long intArg(Object v) {
        if (v instanceof Long l) return l;
        if (v instanceof Boolean b) return b ? 1 : 0;
        if (v instanceof java.math.BigInteger b) return b.signum() < 0 ? Long.MIN_VALUE / 4 : Long.MAX_VALUE / 4;
        if (v instanceof Undefined u) throw u.error();
        throw PyTypes.typeError("'" + PyTypes.typeName(v) + "' object cannot be interpreted as an integer");
    }

    private static Object range(RenderContext ctx, List<Object> args, Map<String, Object> kwargs) {
        if (!kwargs.isEmpty()) throw PyTypes.typeError("range() takes no keyword arguments");
        long start = 0;
        long stop;
        long step = 1;
        switch (args.size()) {
            case 1 -> stop = intArg(args.get(0));
            case 2, 3 -> {
                start = intArg(args.get(0));
                stop = intArg(args.get(1));
                if (args.size() == 3) step = intArg(args.get(2));
            }
            default -> throw PyTypes.typeError("range expected at most 3 arguments, got " + args.size());
        }
        if (step == 0) throw new TemplateException("ValueError: range() arg 3 must not be zero");
        double count = step > 0 ? Math.ceil(((double) stop - start) / step) : Math.ceil(((double) start - stop) / -step);
        if (count > MAX_RANGE) {
            throw new TemplateException("OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + MAX_RANGE + ").");
        }
        List<Object> out = new ArrayList<>((int) Math.max(count, 0));
        if (step > 0) for (long i = start; i < stop; i += step) out.add(i);
        else for (long i = start; i > stop; i += step) out.add(i);
        return out;
    }

    private static Object dict(RenderContext ctx, List<Object> args, Map<String, Object> kwargs) {
        Map<Object, Object> out = new LinkedHashMap<>();
        if (args.size() > 1) throw PyTypes.typeError("dict expected at most 1 argument, got " + args.size());
        if (args.size() == 1) addPairs(out, args.getFirst());
        out.putAll(kwargs);
        return out;
    }

    private static void addPairs(Map<Object, Object> out, Object source) {
        if (source instanceof Map<?, ?> m) {
            out.putAll(m);
            return;
        }
        Iterator<Object> it = PyOps.iterate(source);
        while (it.hasNext()) {
            List<Object> pair = PyOps.toList(it.next());
            if (pair.size() != 2) throw new TemplateException("ValueError: dictionary update sequence element has length " + pair.size() + "; 2 is required");
            PyOps.checkHashable(pair.get(0));
            out.put(pair.get(0), pair.get(1));
        }
    }

    private static Object namespace(RenderContext ctx, List<Object> args, Map<String, Object> kwargs) {
        Namespace ns = new Namespace();
        Map<Object, Object> init = new LinkedHashMap<>();
        if (args.size() > 1) throw PyTypes.typeError("namespace expected at most 1 argument, got " + args.size());
        if (args.size() == 1) addPairs(init, args.getFirst());
        init.putAll(kwargs);
        init.forEach((k, v) -> ns.attributes.put(PyRepr.str(k), v));
        return ns;
    }

    private static Object joiner(RenderContext ctx, List<Object> args, Map<String, Object> kwargs) {
        String sep = new CallArgs("joiner", args, kwargs, "sep").string(0, ", ");
        boolean[] used = {false};
        return (PyCallable) (c, a, k) -> {
            if (!used[0]) {
                used[0] = true;
                return "";
            }
            return sep;
        };
    }

    private static Object raiseException(RenderContext ctx, List<Object> args, Map<String, Object> kwargs) {
        Object message = args.isEmpty() ? kwargs.get("message") : args.getFirst();
        throw new TemplateRaisedException(PyRepr.str(message));
    }

    private static Object strftimeNow(RenderContext ctx, List<Object> args, Map<String, Object> kwargs) {
        String fmt = new CallArgs("strftime_now", args, kwargs, "format").string(0, null);
        if (fmt == null) throw PyTypes.typeError("strftime_now() missing required argument 'format'");
        return PyStrftime.format(ctx.now, fmt);
    }
}
