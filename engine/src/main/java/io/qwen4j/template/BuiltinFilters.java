package io.qwen4j.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Jinja2's built-in filters, with transformers' {@code tojson}. Unknown filters fail when applied. */
final class BuiltinFilters {
    static final Set<String> NAMES = Set.of(
            "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
            "first", "float", "forceescape", "format", "groupby", "indent", "int", "items", "join", "last", "length",
            "list", "lower", "map", "max", "min", "pprint", "reject", "rejectattr", "replace", "reverse", "round",
            "safe", "select", "selectattr", "slice", "sort", "string", "striptags", "sum", "title", "tojson", "trim",
            "truncate", "unique", "upper", "wordcount");

    private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s({\\[<]+)", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

    private BuiltinFilters() { }

    static Object apply(String name, Object value, Arguments args, RenderContext ctx) {
        List<Object> pos = args.positional();
        switch (name) {
            case "tojson" -> {
                CallArgs a = args.bind("tojson", "ensure_ascii", "indent", "separators", "sort_keys");
                return PyJson.dumps(value, a.bool(0, false), a.get(1, null), a.get(2, null), a.bool(3, false));
            }
            case "length", "count" -> {
                return PyOps.len(value);
            }
            case "string" -> {
                return value instanceof Markup ? value : PyRepr.str(value);
            }
            case "trim" -> {
                String chars = args.bind("trim", "chars").optionalString(0);
                return keepMarkup(value, PyStrings.strip(PyRepr.str(value), chars, true, true));
            }
            case "default", "d" -> {
                CallArgs a = args.bind("default", "default_value", "boolean");
                boolean useBool = a.bool(1, false);
                if (value instanceof Undefined || (useBool && !PyOps.truthy(value))) return a.get(0, "");
                return value;
            }
            case "join" -> {
                CallArgs a = args.bind("join", "d", "attribute");
                Object attribute = a.get(1, null);
                String sep = PyRepr.str(a.get(0, ""));
                Iterator<Object> it = PyOps.iterate(value);
                Function<Object, Object> getter = attribute == null ? null : attributeGetter(attribute, null);
                StringBuilder sb = new StringBuilder();
                boolean first = true;
                while (it.hasNext()) {
                    Object item = it.next();
                    if (getter != null) item = getter.apply(item);
                    if (!first) sb.append(sep);
                    first = false;
                    PyRepr.appendStr(sb, item);
                    RenderContext.checkOutput(sb);
                }
                return sb.toString();
            }
            case "items" -> {
                if (value instanceof Undefined) return new PyGenerator(java.util.Collections.emptyIterator());
                // A generator in Jinja2: a non-mapping fails only when iterated.
                return new PyGenerator(new Iterator<>() {
                    private Iterator<Object> it;

                    private Iterator<Object> items() {
                        if (it == null) {
                            if (!(value instanceof Map<?, ?> map)) throw PyTypes.typeError("Can only get item pairs from a mapping.");
                            @SuppressWarnings("unchecked") Map<Object, Object> m = (Map<Object, Object>) map;
                            it = PyOps.iterate(new PyDictView(PyDictView.Kind.ITEMS, m));
                        }
                        return it;
                    }

                    public boolean hasNext() {
                        return items().hasNext();
                    }

                    public Object next() {
                        return items().next();
                    }
                });
            }
            case "list" -> {
                return PyOps.toList(value);
            }
            case "safe" -> {
                return value instanceof Markup ? value : new Markup(PyRepr.str(value));
            }
            case "escape", "e", "forceescape" -> {
                if (value instanceof Markup && !name.equals("forceescape")) return value;
                return new Markup(Markup.escape(PyRepr.str(value)));
            }
            case "upper" -> {
                return keepMarkup(value, PyStrings.upper(PyRepr.str(value)));
            }
            case "lower" -> {
                return keepMarkup(value, PyStrings.lower(PyRepr.str(value)));
            }
            case "capitalize" -> {
                return keepMarkup(value, PyStrings.capitalize(PyRepr.str(value)));
            }
            case "title" -> {
                return keepMarkup(value, title(PyRepr.str(value)));
            }
            case "center" -> {
                long width = args.bind("center", "width").integer(0, 80);
                return PyStrings.pad(PyRepr.str(value), width, ' ', '^');
            }
            case "replace" -> {
                CallArgs a = args.bind("replace", "old", "new", "count");
                Object count = a.get(2, null);
                long n = count == null ? -1 : a.integer(2, -1);
                return PyStrings.replace(PyRepr.str(value), PyRepr.str(a.require(0)), PyRepr.str(a.require(1)), n);
            }
            case "indent" -> {
                CallArgs a = args.bind("indent", "width", "first", "blank");
                return indent(value, a.get(0, 4L), a.bool(1, false), a.bool(2, false));
            }
            case "int" -> {
                CallArgs a = args.bind("int", "default", "base");
                return toInt(value, a.get(0, 0L), a.integer(1, 10));
            }
            case "float" -> {
                CallArgs a = args.bind("float", "default");
                return toFloat(value, a.get(0, 0.0));
            }
            case "abs" -> {
                Object n = PyNumbers.asNumber(value);
                if (n == null) throw PyTypes.typeError("bad operand type for abs(): '" + PyTypes.typeName(value) + "'");
                return PyOps.compare(n, 0L, "<") < 0 ? PyNumbers.negate(n) : n;
            }
            case "round" -> {
                CallArgs a = args.bind("round", "precision", "method");
                return round(value, (int) a.integer(0, 0), a.string(1, "common"));
            }
            case "sum" -> {
                CallArgs a = args.bind("sum", "attribute", "start");
                Object attribute = a.get(0, null);
                Object total = a.get(1, 0L);
                Iterator<Object> it = PyOps.iterate(value);
                Function<Object, Object> getter = attribute == null ? null : attributeGetter(attribute, null);
                while (it.hasNext()) {
                    Object item = it.next();
                    total = PyOps.add(total, getter == null ? item : getter.apply(item));
                }
                return total;
            }
            case "first" -> {
                Iterator<Object> it = PyOps.iterate(value);
                return it.hasNext() ? it.next() : Undefined.withHint("No first item, sequence was empty.");
            }
            case "last" -> {
                List<Object> items = reversible(value);
                return items.isEmpty() ? Undefined.withHint("No last item, sequence was empty.") : items.getLast();
            }
            case "min", "max" -> {
                CallArgs a = args.bind(name, "case_sensitive", "attribute");
                Comparator<Object> cmp = sortComparator(a.bool(0, false), a.get(1, null));
                List<Object> items = PyOps.toList(value);
                if (items.isEmpty()) return Undefined.withHint("No aggregated item, sequence was empty.");
                Object best = items.getFirst();
                for (Object o : items.subList(1, items.size())) {
                    int c = cmp.compare(o, best);
                    if (name.equals("min") ? c < 0 : c > 0) best = o;
                }
                return best;
            }
            case "sort" -> {
                CallArgs a = args.bind("sort", "reverse", "case_sensitive", "attribute");
                List<Object> items = PyOps.toList(value);
                Comparator<Object> cmp = sortComparator(a.bool(1, false), a.get(2, null));
                items.sort(a.bool(0, false) ? cmp.reversed() : cmp);
                return items;
            }
            case "dictsort" -> {
                CallArgs a = args.bind("dictsort", "case_sensitive", "by", "reverse");
                if (!(value instanceof Map<?, ?> map)) throw PyTypes.typeError("dictsort requires a mapping");
                String by = a.string(1, "key");
                int idx = switch (by) {
                    case "key" -> 0;
                    case "value" -> 1;
                    default -> throw new TemplateException("FilterArgumentError: You can only sort by either \"key\" or \"value\"");
                };
                boolean caseSensitive = a.bool(0, false);
                List<Object> items = new ArrayList<>();
                map.forEach((k, v) -> items.add(PyTuple.of(k, v)));
                Comparator<Object> cmp = (x, y) -> PyOps.compare(
                        ignoreCase(((PyTuple) x).items().get(idx), caseSensitive),
                        ignoreCase(((PyTuple) y).items().get(idx), caseSensitive), "<");
                items.sort(a.bool(2, false) ? cmp.reversed() : cmp);
                return items;
            }
            case "unique" -> {
                CallArgs a = args.bind("unique", "case_sensitive", "attribute");
                boolean caseSensitive = a.bool(0, false);
                Object attribute = a.get(1, null);
                Function<Object, Object> getter = attribute == null ? x -> x : attributeGetter(attribute, null);
                List<Object> seen = new ArrayList<>();
                List<Object> out = new ArrayList<>();
                Iterator<Object> it = PyOps.iterate(value);
                while (it.hasNext()) {
                    Object item = it.next();
                    Object key = ignoreCase(getter.apply(item), caseSensitive);
                    boolean dup = false;
                    for (Object s : seen) {
                        if (PyOps.eq(s, key)) {
                            dup = true;
                            break;
                        }
                    }
                    if (!dup) {
                        seen.add(key);
                        out.add(item);
                    }
                }
                return new PyGenerator(out.iterator());
            }
            case "reverse" -> {
                if (value instanceof String s) return PyStrings.slice(s, new PySlice(null, null, -1L));
                if (value instanceof Markup m) return new Markup(PyStrings.slice(m.text(), new PySlice(null, null, -1L)));
                List<Object> items = new ArrayList<>(reversible(value));
                java.util.Collections.reverse(items);
                return new PyGenerator(items.iterator());
            }
            case "map" -> {
                return map(value, args, ctx);
            }
            case "select", "reject", "selectattr", "rejectattr" -> {
                return selectOrReject(value, args, ctx, name.startsWith("select"), name.endsWith("attr"));
            }
            case "attr" -> {
                Object attrName = args.bind("attr", "name").require(0);
                String n = PyRepr.str(attrName);
                if (value instanceof Map<?, ?> && !PyAttributes.DICT_METHODS.contains(n)) return Undefined.missingAttribute(value, n);
                return PyAttributes.getAttr(value, n);
            }
            case "batch" -> {
                CallArgs a = args.bind("batch", "linecount", "fill_with");
                long size = a.integer(0, 1);
                if (size <= 0) throw new TemplateException("ValueError: batch size must be positive");
                Object fill = a.get(1, null);
                boolean hasFill = a.has(1) && fill != null;
                List<Object> items = PyOps.toList(value);
                List<Object> out = new ArrayList<>();
                for (int i = 0; i < items.size(); i += (int) size) {
                    List<Object> row = new ArrayList<>(items.subList(i, (int) Math.min(items.size(), i + size)));
                    if (hasFill) while (row.size() < size) row.add(fill);
                    out.add(row);
                }
                return new PyGenerator(out.iterator());
            }
            case "slice" -> {
                CallArgs a = args.bind("slice", "slices", "fill_with");
                long slices = a.integer(0, 1);
                if (slices <= 0) throw new TemplateException("ValueError: slices must be positive");
                Object fill = a.get(1, null);
                List<Object> seq = PyOps.toList(value);
                int length = seq.size();
                int perSlice = (int) (length / slices);
                int withExtra = (int) (length % slices);
                int offset = 0;
                List<Object> out = new ArrayList<>();
                for (int i = 0; i < slices; i++) {
                    int start = offset + i * perSlice;
                    if (i < withExtra) offset++;
                    int end = offset + (i + 1) * perSlice;
                    List<Object> tmp = new ArrayList<>(seq.subList(Math.min(start, length), Math.min(end, length)));
                    if (fill != null && i >= withExtra) tmp.add(fill);
                    out.add(tmp);
                }
                return new PyGenerator(out.iterator());
            }
            case "groupby" -> {
                CallArgs a = args.bind("groupby", "attribute", "default", "case_sensitive");
                Function<Object, Object> getter = attributeGetter(a.require(0), a.get(1, null));
                boolean caseSensitive = a.bool(2, false);
                List<Object> items = PyOps.toList(value);
                Comparator<Object> cmp = (x, y) -> PyOps.compare(ignoreCase(getter.apply(x), caseSensitive),
                        ignoreCase(getter.apply(y), caseSensitive), "<");
                items.sort(cmp);
                List<Object> out = new ArrayList<>();
                List<Object> group = null;
                Object key = null;
                for (Object item : items) {
                    Object k = ignoreCase(getter.apply(item), caseSensitive);
                    if (group == null || !PyOps.eq(k, key)) {
                        if (group != null) out.add(PyTuple.of(key, group));
                        group = new ArrayList<>();
                        key = k;
                    }
                    group.add(item);
                }
                if (group != null) out.add(PyTuple.of(key, group));
                return out;
            }
            case "format" -> {
                String fmt = PyRepr.str(value);
                if (!pos.isEmpty() && !args.keywords().isEmpty()) {
                    throw new TemplateException("FilterArgumentError: can't handle positional and keyword arguments at the same time");
                }
                Object fmtArgs = !args.keywords().isEmpty() ? new LinkedHashMap<Object, Object>(args.keywords()) : new PyTuple(pos);
                return PyFormat.percentFormat(fmt, fmtArgs);
            }
            case "pprint" -> {
                return PyRepr.repr(value);
            }
            case "striptags" -> {
                return striptags(PyRepr.str(value));
            }
            case "truncate" -> {
                CallArgs a = args.bind("truncate", "length", "killwords", "end", "leeway");
                return truncate(PyRepr.str(value), a.integer(0, 255), a.bool(1, false), a.string(2, "..."),
                        a.get(3, null) == null ? 5 : a.integer(3, 5));
            }
            case "wordcount" -> {
                Matcher m = WORD.matcher(PyRepr.str(value));
                long n = 0;
                while (m.find()) n++;
                return n;
            }
            default -> throw new TemplateException("TemplateRuntimeError: No filter named '" + name + "'.");
        }
    }

    private static Object keepMarkup(Object original, String result) {
        return original instanceof Markup ? new Markup(result) : result;
    }

    /** Items of a value that Python's reversed() accepts. */
    private static List<Object> reversible(Object value) {
        if (value instanceof PyGenerator) throw PyTypes.typeError("'generator' object is not reversible");
        return PyOps.asList(value);
    }

    private static String title(String s) {
        StringBuilder sb = new StringBuilder();
        Matcher m = WORD_BEGINNING.matcher(s);
        int last = 0;
        while (m.find()) {
            titleWord(sb, s.substring(last, m.start()));
            sb.append(m.group());
            last = m.end();
        }
        titleWord(sb, s.substring(last));
        return sb.toString();
    }

    private static void titleWord(StringBuilder sb, String item) {
        if (item.isEmpty()) return;
        int cp = item.codePointAt(0);
        sb.append(PyStrings.upper(Character.toString(cp))).append(PyStrings.lower(item.substring(Character.charCount(cp))));
    }

    private static String indent(Object value, Object width, boolean first, boolean blank) {
        if (value instanceof Undefined u) throw u.error();
        if (!PyTypes.isString(value)) {
            throw PyTypes.typeError("unsupported operand type(s) for +=: '" + PyTypes.typeName(value) + "' and 'str'");
        }
        String indention = width instanceof String w ? w : width instanceof Markup m ? m.text()
                : " ".repeat((int) Math.max(0, (Long) PyNumbers.asNumber(width)));
        String s = PyRepr.str(value) + "\n";
        List<Object> lines = PyStrings.splitlines(s, false);
        StringBuilder rv = new StringBuilder();
        if (blank) {
            for (int i = 0; i < lines.size(); i++) {
                if (i > 0) rv.append('\n').append(indention);
                rv.append((String) lines.get(i));
            }
        } else {
            rv.append((String) lines.getFirst());
            for (int i = 1; i < lines.size(); i++) {
                String line = (String) lines.get(i);
                rv.append('\n');
                if (!line.isEmpty()) rv.append(indention);
                rv.append(line);
            }
        }
        String out = first ? indention + rv : rv.toString();
        return value instanceof Markup ? new Markup(out).text() : out;
    }

    private static Object toInt(Object value, Object defaultValue, long base) {
        if (value instanceof Undefined u) throw u.error();
        if (value instanceof String || value instanceof Markup) {
            String s = PyRepr.str(value);
            Object parsed = parseInt(s, (int) base);
            if (parsed != null) return parsed;
            Double d = parseFloat(s);
            if (d != null && !d.isNaN() && !d.isInfinite()) return PyNumbers.normalize(new BigDecimal(d).toBigInteger());
            return defaultValue;
        }
        if (value instanceof Boolean b) return b ? 1L : 0L;
        if (value instanceof Long || value instanceof BigInteger) return value;
        if (value instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) return defaultValue;
            return PyNumbers.normalize(new BigDecimal(d).toBigInteger());
        }
        return defaultValue;
    }

    /** Python int(s, base) for a string; null on ValueError. */
    static Object parseInt(String s, int base) {
        String t = PyStrings.strip(s, null, true, true);
        boolean neg = false;
        if (t.startsWith("+") || t.startsWith("-")) {
            neg = t.startsWith("-");
            t = t.substring(1);
        }
        String lower = t.toLowerCase(java.util.Locale.ROOT);
        if ((base == 16 && lower.startsWith("0x")) || (base == 8 && lower.startsWith("0o")) || (base == 2 && lower.startsWith("0b"))) {
            t = t.substring(2);
            if (t.startsWith("_")) t = t.substring(1);
        }
        if (t.isEmpty() || t.startsWith("_") || t.endsWith("_") || t.contains("__")) return null;
        t = t.replace("_", "");
        try {
            BigInteger b = new BigInteger(t, base);
            return PyNumbers.normalize(neg ? b.negate() : b);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Python float(s); null on ValueError. */
    static Double parseFloat(String s) {
        String t = PyStrings.strip(s, null, true, true).toLowerCase(java.util.Locale.ROOT);
        String body = t.startsWith("+") || t.startsWith("-") ? t.substring(1) : t;
        double sign = t.startsWith("-") ? -1 : 1;
        if (body.equals("inf") || body.equals("infinity")) return sign * Double.POSITIVE_INFINITY;
        if (body.equals("nan")) return Double.NaN;
        if (!body.matches("(\\d(_?\\d)*)?(\\.(\\d(_?\\d)*)?)?(e[+-]?\\d(_?\\d)*)?") || body.isEmpty() || body.equals(".")
                || body.startsWith("e") || body.startsWith(".e")) {
            return null;
        }
        return Double.parseDouble(t.replace("_", ""));
    }

    private static Object toFloat(Object value, Object defaultValue) {
        if (value instanceof Undefined u) throw u.error();
        if (value instanceof String || value instanceof Markup) {
            Double d = parseFloat(PyRepr.str(value));
            return d != null ? d : defaultValue;
        }
        Object n = PyNumbers.asNumber(value);
        if (n == null) return defaultValue;
        try {
            return PyNumbers.toDouble(n);
        } catch (TemplateException e) {
            return defaultValue;
        }
    }

    private static Object round(Object value, int precision, String method) {
        Object n = PyNumbers.asNumber(value);
        if (n == null) throw PyTypes.typeError("type " + PyTypes.typeName(value) + " doesn't define __round__ method");
        if (!method.equals("common") && !method.equals("ceil") && !method.equals("floor")) {
            throw new TemplateException("FilterArgumentError: method must be common, ceil or floor");
        }
        if (method.equals("common")) {
            if (!(n instanceof Double d)) {
                if (precision >= 0) return n;
                BigInteger unit = BigInteger.TEN.pow(-precision);
                return PyNumbers.normalize(new BigDecimal(PyNumbers.big(n)).divide(new BigDecimal(unit))
                        .setScale(0, java.math.RoundingMode.HALF_EVEN).toBigInteger().multiply(unit));
            }
            return PyNumbers.round(d, precision);
        }
        double scale = Math.pow(10, precision);
        double x = PyNumbers.toDouble(n) * scale;
        return (method.equals("ceil") ? Math.ceil(x) : Math.floor(x)) / scale;
    }

    private static Object ignoreCase(Object v, boolean caseSensitive) {
        if (!caseSensitive && v instanceof String s) return PyStrings.lower(s);
        return v;
    }

    private static Comparator<Object> sortComparator(boolean caseSensitive, Object attribute) {
        Function<Object, Object> getter = attribute == null ? x -> x : attributeGetter(attribute, null);
        return (x, y) -> PyOps.compare(ignoreCase(getter.apply(x), caseSensitive), ignoreCase(getter.apply(y), caseSensitive), "<");
    }

    /** Jinja2's make_attrgetter: "a.b.0" looks up each part with item-first semantics. */
    static Function<Object, Object> attributeGetter(Object attribute, Object defaultValue) {
        List<Object> parts = new ArrayList<>();
        if (attribute instanceof String s) {
            for (String p : s.split("\\.", -1)) {
                parts.add(!p.isEmpty() && p.chars().allMatch(c -> c >= '0' && c <= '9') ? (Object) Long.parseLong(p) : p);
            }
        } else {
            parts.add(attribute);
        }
        return item -> {
            Object v = item;
            for (Object p : parts) {
                v = PyAttributes.getItem(v, p);
                if (defaultValue != null && v instanceof Undefined) return defaultValue;
            }
            return v;
        };
    }

    private static Object map(Object value, Arguments args, RenderContext ctx) {
        List<Object> pos = args.positional();
        Function<Object, Object> func;
        if (pos.isEmpty() && args.keywords().containsKey("attribute")) {
            Map<String, Object> kw = new LinkedHashMap<>(args.keywords());
            Object attribute = kw.remove("attribute");
            Object def = kw.remove("default");
            if (!kw.isEmpty()) throw new TemplateException("FilterArgumentError: Unexpected keyword argument " + PyRepr.repr(kw.keySet().iterator().next()));
            func = attributeGetter(attribute, def);
        } else {
            if (pos.isEmpty()) throw new TemplateException("FilterArgumentError: map requires a filter argument");
            String filter = PyRepr.str(pos.getFirst());
            Arguments rest = new Arguments(pos.subList(1, pos.size()), args.keywords());
            func = item -> apply(filter, item, rest, ctx);
        }
        if (!PyOps.truthy(value)) return new PyGenerator(java.util.Collections.emptyIterator());
        return new PyGenerator(new Iterator<>() {
            private Iterator<Object> it;

            public boolean hasNext() {
                if (it == null) it = PyOps.iterate(value);
                return it.hasNext();
            }

            public Object next() {
                if (!hasNext()) throw new NoSuchElementException();
                return func.apply(it.next());
            }
        });
    }

    private static Object selectOrReject(Object value, Arguments args, RenderContext ctx, boolean select, boolean byAttr) {
        List<Object> pos = args.positional();
        int off = 0;
        Function<Object, Object> transform = x -> x;
        if (byAttr) {
            if (pos.isEmpty()) throw PyTypes.typeError("missing attribute argument");
            transform = attributeGetter(pos.getFirst(), null);
            off = 1;
        }
        Predicate<Object> test;
        if (pos.size() > off) {
            String testName = PyRepr.str(pos.get(off));
            Arguments rest = new Arguments(pos.subList(off + 1, pos.size()), args.keywords());
            test = item -> BuiltinTests.test(testName, item, rest, ctx);
        } else {
            test = PyOps::truthy;
        }
        if (!PyOps.truthy(value)) return new PyGenerator(java.util.Collections.emptyIterator());
        Function<Object, Object> tf = transform;
        return new PyGenerator(new Iterator<>() {
            private Iterator<Object> it;
            private Object next;
            private boolean ready;

            public boolean hasNext() {
                if (it == null) it = PyOps.iterate(value);
                while (!ready && it.hasNext()) {
                    Object item = it.next();
                    if (test.test(tf.apply(item)) == select) {
                        next = item;
                        ready = true;
                    }
                }
                return ready;
            }

            public Object next() {
                if (!hasNext()) throw new NoSuchElementException();
                ready = false;
                return next;
            }
        });
    }

    private static String striptags(String s) {
        String t = s.replaceAll("(?s)<!--.*?-->", "").replaceAll("(?s)<.*?>", "");
        t = String.join(" ", PyStrings.split(t, null, -1).stream().map(Object::toString).toList());
        return HtmlEntities.unescape(t);
    }

    private static String truncate(String s, long length, boolean killwords, String end, long leeway) {
        int endLen = PyStrings.length(end);
        if (length < endLen) throw new TemplateException("AssertionError: expected length >= " + endLen + ", got " + length);
        if (leeway < 0) throw new TemplateException("AssertionError: expected leeway >= 0, got " + leeway);
        if (PyStrings.length(s) <= length + leeway) return s;
        String head = PyStrings.slice(s, new PySlice(null, length - endLen, null));
        if (killwords) return head + end;
        return PyStrings.rsplit(head, " ", 1).getFirst() + end;
    }
}
