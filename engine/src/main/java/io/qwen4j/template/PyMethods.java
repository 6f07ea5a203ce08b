package io.qwen4j.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Python's non-mutating methods of str, dict, list, tuple and numbers, as templates call them. */
final class PyMethods {
    private PyMethods() { }

    static Object call(Object self, String name, List<Object> args, Map<String, Object> kwargs) {
        return switch (self) {
            case String s -> stringMethod(s, name, args, kwargs);
            case Markup m -> {
                Object r = stringMethod(m.text(), name, args, kwargs);
                if (r instanceof List<?> parts) {
                    List<Object> out = new ArrayList<>(parts.size());
                    for (Object p : parts) out.add(p instanceof String s ? new Markup(s) : p);
                    yield out;
                }
                yield r instanceof String s ? new Markup(s) : r;
            }
            case Map<?, ?> map -> dictMethod(map, name, args, kwargs);
            case List<?> list -> sequenceMethod(list, name, args, kwargs);
            case PyTuple t -> sequenceMethod(t.items(), name, args, kwargs);
            case null, default -> numberMethod(self, name, args, kwargs);
        };
    }

    private static Object dictMethod(Map<?, ?> map, String name, List<Object> args, Map<String, Object> kwargs) {
        @SuppressWarnings("unchecked") Map<Object, Object> dict = (Map<Object, Object>) map;
        noKwargs(name, kwargs);
        switch (name) {
            case "get" -> {
                if (args.isEmpty() || args.size() > 2) throw PyTypes.typeError("get expected 1 or 2 arguments, got " + args.size());
                PyOps.checkHashable(args.getFirst());
                Object v = PyOps.dictGet(dict, args.getFirst());
                return v != PyOps.MISSING ? v : args.size() > 1 ? args.get(1) : null;
            }
            case "items" -> {
                noArgs(name, args);
                return new PyDictView(PyDictView.Kind.ITEMS, dict);
            }
            case "keys" -> {
                noArgs(name, args);
                return new PyDictView(PyDictView.Kind.KEYS, dict);
            }
            case "values" -> {
                noArgs(name, args);
                return new PyDictView(PyDictView.Kind.VALUES, dict);
            }
            case "copy" -> {
                noArgs(name, args);
                return new LinkedHashMap<>(dict);
            }
            default -> throw new TemplateException("AttributeError: 'dict' object has no attribute '" + name + "'");
        }
    }

    private static Object sequenceMethod(List<?> list, String name, List<Object> args, Map<String, Object> kwargs) {
        noKwargs(name, kwargs);
        switch (name) {
            case "count" -> {
                exactly(name, args, 1);
                long n = 0;
                for (Object o : list) if (PyOps.eq(o, args.getFirst())) n++;
                return n;
            }
            case "index" -> {
                if (args.isEmpty()) throw PyTypes.typeError("index expected at least 1 argument, got 0");
                for (int i = 0; i < list.size(); i++) if (PyOps.eq(list.get(i), args.getFirst())) return (long) i;
                throw new TemplateException("ValueError: " + PyRepr.repr(args.getFirst()) + " is not in list");
            }
            case "copy" -> {
                return new ArrayList<Object>(list);
            }
            default -> throw new TemplateException("AttributeError: object has no attribute '" + name + "'");
        }
    }

    private static Object numberMethod(Object self, String name, List<Object> args, Map<String, Object> kwargs) {
        noKwargs(name, kwargs);
        noArgs(name, args);
        Object n = PyNumbers.asNumber(self);
        switch (name) {
            case "is_integer" -> {
                return n instanceof Double d ? d == Math.rint(d) && !Double.isInfinite(d) : Boolean.TRUE;
            }
            case "conjugate" -> {
                return n;
            }
            case "bit_length" -> {
                return (long) PyNumbers.big(n).abs().bitLength();
            }
            case "bit_count" -> {
                return (long) PyNumbers.big(n).abs().bitCount();
            }
            default -> throw new TemplateException("AttributeError: '" + PyTypes.typeName(self) + "' object has no attribute '" + name + "'");
        }
    }

    private static void noKwargs(String name, Map<String, Object> kwargs) {
        if (!kwargs.isEmpty()) throw PyTypes.typeError(name + "() takes no keyword arguments");
    }

    private static void noArgs(String name, List<Object> args) {
        if (!args.isEmpty()) throw PyTypes.typeError(name + "() takes no arguments (" + args.size() + " given)");
    }

    private static void exactly(String name, List<Object> args, int n) {
        if (args.size() != n) throw PyTypes.typeError(name + "() takes exactly " + n + " argument(s) (" + args.size() + " given)");
    }

    private static String str(Object v, String what) {
        if (v instanceof String s) return s;
        if (v instanceof Markup m) return m.text();
        if (v instanceof Undefined u) throw u.error();
        throw PyTypes.typeError(what + " must be str, not " + PyTypes.typeName(v));
    }

    private static Object stringMethod(String s, String name, List<Object> args, Map<String, Object> kwargs) {
        switch (name) {
            case "format" -> {
                return PyFormat.format(s, args, kwargs);
            }
            case "format_map" -> {
                exactly(name, args, 1);
                if (!(args.getFirst() instanceof Map<?, ?> m)) throw PyTypes.typeError("format_map() argument must be a mapping");
                Map<String, Object> kw = new LinkedHashMap<>();
                m.forEach((k, v) -> kw.put(PyRepr.str(k), v));
                return PyFormat.format(s, List.of(), kw);
            }
            case "split", "rsplit" -> {
                CallArgs a = new CallArgs(name, args, kwargs, "sep", "maxsplit");
                String sep = a.optionalString(0);
                long max = a.integer(1, -1);
                return name.equals("split") ? PyStrings.split(s, sep, max) : PyStrings.rsplit(s, sep, max);
            }
            case "strip", "lstrip", "rstrip" -> {
                noKwargs(name, kwargs);
                CallArgs a = new CallArgs(name, args, kwargs, "chars");
                String chars = a.optionalString(0);
                return PyStrings.strip(s, chars, !name.equals("rstrip"), !name.equals("lstrip"));
            }
            case "startswith", "endswith" -> {
                noKwargs(name, kwargs);
                if (args.isEmpty() || args.size() > 3) throw PyTypes.typeError(name + "() takes at least 1 argument");
                String target = substringArgs(s, args, 1);
                Object prefix = args.getFirst();
                List<Object> options = prefix instanceof PyTuple t ? t.items() : List.of(prefix);
                for (Object o : options) {
                    if (!PyTypes.isString(o)) {
                        throw PyTypes.typeError(name + " first arg must be str or a tuple of str, not " + PyTypes.typeName(o));
                    }
                    String p = PyRepr.str(o);
                    if (name.equals("startswith") ? target.startsWith(p) : target.endsWith(p)) return true;
                }
                return false;
            }
            case "replace" -> {
                noKwargs(name, kwargs);
                if (args.size() < 2 || args.size() > 3) throw PyTypes.typeError("replace expected 2-3 arguments");
                long count = args.size() > 2 ? new CallArgs(name, args, kwargs, "old", "new", "count").integer(2, -1) : -1;
                return PyStrings.replace(s, str(args.get(0), "replace() argument 1"), str(args.get(1), "replace() argument 2"), count);
            }
            case "upper" -> {
                noArgs(name, args);
                return PyStrings.upper(s);
            }
            case "lower", "casefold" -> {
                noArgs(name, args);
                return PyStrings.lower(s);
            }
            case "title" -> {
                noArgs(name, args);
                return PyStrings.title(s);
            }
            case "capitalize" -> {
                noArgs(name, args);
                return PyStrings.capitalize(s);
            }
            case "swapcase" -> {
                noArgs(name, args);
                return PyStrings.swapcase(s);
            }
            case "find", "rfind", "index", "rindex", "count" -> {
                noKwargs(name, kwargs);
                if (args.isEmpty() || args.size() > 3) throw PyTypes.typeError(name + "() takes at least 1 argument");
                String sub = str(args.getFirst(), "must be str");
                long offset = args.size() > 1 && args.get(1) != null ? resolveIndex(s, args.get(1)) : 0;
                String target = substringArgs(s, args, 1);
                if (name.equals("count")) return PyStrings.count(target, sub);
                int found = PyStrings.find(target, sub, name.startsWith("r"));
                if (found < 0) {
                    if (name.endsWith("index")) throw new TemplateException("ValueError: substring not found");
                    return -1L;
                }
                return found + offset;
            }
            case "join" -> {
                exactly(name, args, 1);
                StringBuilder sb = new StringBuilder();
                var it = PyOps.iterate(args.getFirst());
                int i = 0;
                while (it.hasNext()) {
                    Object item = it.next();
                    if (!PyTypes.isString(item)) {
                        throw PyTypes.typeError("sequence item " + i + ": expected str instance, " + PyTypes.typeName(item) + " found");
                    }
                    if (i++ > 0) sb.append(s);
                    sb.append(PyRepr.str(item));
                }
                return sb.toString();
            }
            case "splitlines" -> {
                CallArgs a = new CallArgs(name, args, kwargs, "keepends");
                return PyStrings.splitlines(s, a.bool(0, false));
            }
            case "zfill" -> {
                exactly(name, args, 1);
                long width = new CallArgs(name, args, kwargs, "width").integer(0, 0);
                int len = PyStrings.length(s);
                if (width <= len) return s;
                int fill = (int) (width - len);
                if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
                    return s.charAt(0) + "0".repeat(fill) + s.substring(1);
                }
                return "0".repeat(fill) + s;
            }
            case "center", "ljust", "rjust" -> {
                noKwargs(name, kwargs);
                CallArgs a = new CallArgs(name, args, kwargs, "width", "fillchar");
                long width = a.integer(0, 0);
                String fill = a.string(1, " ");
                if (PyStrings.length(fill) != 1) throw PyTypes.typeError("The fill character must be exactly one character long");
                char align = name.equals("center") ? '^' : name.equals("ljust") ? '<' : '>';
                return PyStrings.pad(s, width, fill.codePointAt(0), align);
            }
            case "partition", "rpartition" -> {
                exactly(name, args, 1);
                String sep = str(args.getFirst(), "sep");
                if (sep.isEmpty()) throw new TemplateException("ValueError: empty separator");
                int i = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (i < 0) return name.equals("partition") ? PyTuple.of(s, "", "") : PyTuple.of("", "", s);
                return PyTuple.of(s.substring(0, i), sep, s.substring(i + sep.length()));
            }
            case "removeprefix" -> {
                exactly(name, args, 1);
                String p = str(args.getFirst(), "prefix");
                return s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix" -> {
                exactly(name, args, 1);
                String p = str(args.getFirst(), "suffix");
                return s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s;
            }
            case "expandtabs" -> {
                long tab = new CallArgs(name, args, kwargs, "tabsize").integer(0, 8);
                StringBuilder sb = new StringBuilder();
                int col = 0;
                for (int i = 0; i < s.length(); i++) {
                    char c = s.charAt(i);
                    if (c == '\t') {
                        if (tab > 0) {
                            int spaces = (int) (tab - col % tab);
                            sb.append(" ".repeat(spaces));
                            col += spaces;
                        }
                    } else {
                        sb.append(c);
                        col = c == '\n' || c == '\r' ? 0 : col + 1;
                    }
                }
                return sb.toString();
            }
            case "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
                 "isprintable", "isspace", "istitle", "isupper" -> {
                noArgs(name, args);
                return PyStringPredicates.test(name, s);
            }
            default -> throw new TemplateException("str." + name + "() is not supported");
        }
    }

    /** Resolves a Python start index (negative counts from the end) in code points. */
    private static long resolveIndex(String s, Object v) {
        long len = PyStrings.length(s);
        long i = v instanceof Long l ? l : v instanceof Boolean b ? (b ? 1 : 0) : 0;
        if (i < 0) i = Math.max(0, i + len);
        return Math.min(i, len);
    }

    /** s[start:end] for the optional start/end arguments at args[from], args[from+1]. */
    private static String substringArgs(String s, List<Object> args, int from) {
        if (args.size() <= from) return s;
        Object start = args.get(from);
        Object end = args.size() > from + 1 ? args.get(from + 1) : null;
        if (start != null && !PyTypes.isInt(start) && !(start instanceof Boolean)) {
            throw PyTypes.typeError("slice indices must be integers or None or have an __index__ method");
        }
        if (start instanceof BigInteger || end instanceof BigInteger) return "";
        return PyStrings.slice(s, new PySlice(start, end, null));
    }
}
