package io.qwen4j.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Python semantics of operators, truthiness, equality, ordering, membership, len() and iteration. */
final class PyOps {
    /** Marker for "no such key" in dict lookups (a dict value may be None). */
    static final Object MISSING = new Object();

    private PyOps() { }

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case String s -> !s.isEmpty();
            case Long l -> l != 0;
            case Double d -> d != 0.0;
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            case Undefined u -> false;
            case PyTuple t -> !t.items().isEmpty();
            case Markup m -> !m.text().isEmpty();
            case BigInteger b -> b.signum() != 0;
            case PyDictView view -> !view.dict().isEmpty();
            default -> true;
        };
    }

    // ---- equality and ordering ----

    static boolean eq(Object a, Object b) {
        if (a == b) return true;
        if (a == null || b == null) return false;
        if (a instanceof String s) {
            if (b instanceof String t) return s.equals(t);
            return b instanceof Markup m && s.equals(m.text());
        }
        if (a instanceof Markup m) return PyTypes.isString(b) && m.text().equals(PyRepr.str(b));
        Object na = PyNumbers.asNumber(a);
        if (na != null) {
            Object nb = PyNumbers.asNumber(b);
            return nb != null && PyNumbers.numericEquals(na, nb);
        }
        if (a instanceof List<?> x) return b instanceof List<?> y && listEq(x, y);
        if (a instanceof PyTuple x) return b instanceof PyTuple y && listEq(x.items(), y.items());
        if (a instanceof Map<?, ?> x) {
            if (!(b instanceof Map<?, ?> y) || x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                Object other = dictGet(y, e.getKey());
                if (other == MISSING || !eq(e.getValue(), other)) return false;
            }
            return true;
        }
        if (a instanceof Undefined) return b instanceof Undefined;
        if (a instanceof PyDictView x && b instanceof PyDictView y) {
            return x.kind() == y.kind() && x.kind() != PyDictView.Kind.VALUES && eq(toList(x), toList(y));
        }
        return a.equals(b);
    }

    private static boolean listEq(List<?> x, List<?> y) {
        if (x.size() != y.size()) return false;
        for (int i = 0; i < x.size(); i++) if (!eq(x.get(i), y.get(i))) return false;
        return true;
    }

    /** Python ordering ({@code <}); raises TypeError for unorderable types. */
    static int compare(Object a, Object b, String op) {
        if (a instanceof Undefined u) throw u.error();
        if (b instanceof Undefined u) throw u.error();
        Object na = PyNumbers.asNumber(a);
        Object nb = PyNumbers.asNumber(b);
        if (na != null && nb != null) return PyNumbers.compare(na, nb);
        if (PyTypes.isString(a) && PyTypes.isString(b)) return compareStrings(PyRepr.str(a), PyRepr.str(b));
        if (a instanceof List<?> x && b instanceof List<?> y) return compareSeq(x, y, op);
        if (a instanceof PyTuple x && b instanceof PyTuple y) return compareSeq(x.items(), y.items(), op);
        throw PyTypes.typeError("'" + op + "' not supported between instances of '" + PyTypes.typeName(a)
                + "' and '" + PyTypes.typeName(b) + "'");
    }

    /** Code-point order (Java's compareTo is UTF-16 order, which differs for astral characters). */
    static int compareStrings(String x, String y) {
        int n = Math.min(x.length(), y.length());
        for (int i = 0; i < n; i++) {
            char c = x.charAt(i);
            char d = y.charAt(i);
            if (c != d) {
                if (Character.isSurrogate(c) || Character.isSurrogate(d)) {
                    return Integer.compare(x.codePointAt(i), y.codePointAt(i));
                }
                return c - d;
            }
        }
        return x.length() - y.length();
    }

    private static int compareSeq(List<?> x, List<?> y, String op) {
        int n = Math.min(x.size(), y.size());
        for (int i = 0; i < n; i++) {
            if (!eq(x.get(i), y.get(i))) return compare(x.get(i), y.get(i), op);
        }
        return Integer.compare(x.size(), y.size());
    }

    // ---- arithmetic ----

    static Object add(Object a, Object b) {
        if (a instanceof String x && b instanceof String y) return RenderContext.checkedConcat(x, y);
        if (a instanceof Undefined u) throw u.error();
        if (b instanceof Undefined u) throw u.error();
        if (a instanceof Markup || b instanceof Markup) {
            if (PyTypes.isString(a) && PyTypes.isString(b)) {
                return new Markup(RenderContext.checkedConcat(markupText(a), markupText(b)));
            }
        }
        Object na = PyNumbers.asNumber(a);
        Object nb = PyNumbers.asNumber(b);
        if (na != null && nb != null) return PyNumbers.add(na, nb);
        if (a instanceof List<?> x && b instanceof List<?> y) {
            List<Object> out = new ArrayList<>(x.size() + y.size());
            out.addAll(x);
            out.addAll(y);
            return out;
        }
        if (a instanceof PyTuple x && b instanceof PyTuple y) {
            List<Object> out = new ArrayList<>(x.items());
            out.addAll(y.items());
            return new PyTuple(out);
        }
        if (a instanceof String) {
            throw PyTypes.typeError("can only concatenate str (not \"" + PyTypes.typeName(b) + "\") to str");
        }
        if (a instanceof List<?>) {
            throw PyTypes.typeError("can only concatenate list (not \"" + PyTypes.typeName(b) + "\") to list");
        }
        throw unsupported("+", a, b);
    }

    /** A Markup operand keeps its text; a plain str operand is HTML-escaped. */
    private static String markupText(Object v) {
        return v instanceof Markup m ? m.text() : Markup.escape((String) v);
    }

    static TemplateException unsupported(String op, Object a, Object b) {
        return PyTypes.typeError("unsupported operand type(s) for " + op + ": '" + PyTypes.typeName(a)
                + "' and '" + PyTypes.typeName(b) + "'");
    }

    private static Object[] numbers(String op, Object a, Object b) {
        if (a instanceof Undefined u) throw u.error();
        if (b instanceof Undefined u) throw u.error();
        Object na = PyNumbers.asNumber(a);
        Object nb = PyNumbers.asNumber(b);
        if (na == null || nb == null) throw unsupported(op, a, b);
        return new Object[] {na, nb};
    }

    static Object sub(Object a, Object b) {
        Object[] n = numbers("-", a, b);
        return PyNumbers.sub(n[0], n[1]);
    }

    static Object mul(Object a, Object b) {
        if (a instanceof Undefined u) throw u.error();
        if (b instanceof Undefined u) throw u.error();
        Object na = PyNumbers.asNumber(a);
        Object nb = PyNumbers.asNumber(b);
        if (na != null && nb != null) return PyNumbers.mul(na, nb);
        if (nb instanceof Long || nb instanceof BigInteger) return repeat(a, nb, b);
        if (na instanceof Long || na instanceof BigInteger) return repeat(b, na, a);
        throw PyTypes.typeError("can't multiply sequence by non-int of type '" + PyTypes.typeName(
                PyNumbers.asNumber(a) == null ? b : a) + "'");
    }

    private static Object repeat(Object seq, Object count, Object rawCount) {
        long n = count instanceof Long l ? l : ((BigInteger) count).signum() > 0 ? Long.MAX_VALUE : 0;
        switch (seq) {
            case String s -> {
                return PyStrings.repeat(s, n);
            }
            case Markup m -> {
                return new Markup(PyStrings.repeat(m.text(), n));
            }
            case List<?> l -> {
                return repeatList(l, n);
            }
            case PyTuple t -> {
                return new PyTuple(repeatList(t.items(), n));
            }
            case null, default -> throw PyTypes.typeError("unsupported operand type(s) for *: '" + PyTypes.typeName(seq)
                    + "' and '" + PyTypes.typeName(rawCount) + "'");
        }
    }

    private static List<Object> repeatList(List<?> l, long n) {
        if (n <= 0 || l.isEmpty()) return new ArrayList<>();
        if ((double) l.size() * n > RenderContext.MAX_ITERATIONS) {
            throw new TemplateException("MemoryError: list repetition result too large");
        }
        List<Object> out = new ArrayList<>((int) (l.size() * n));
        for (long i = 0; i < n; i++) out.addAll(l);
        return out;
    }

    static Object div(Object a, Object b) {
        Object[] n = numbers("/", a, b);
        return PyNumbers.trueDiv(n[0], n[1]);
    }

    static Object floorDiv(Object a, Object b) {
        Object[] n = numbers("//", a, b);
        return PyNumbers.floorDiv(n[0], n[1]);
    }

    static Object mod(Object a, Object b) {
        if (a instanceof String s) return PyFormat.percentFormat(s, b);
        if (a instanceof Markup m) return new Markup(PyFormat.percentFormat(m.text(), escapeArgs(b)));
        Object[] n = numbers("%", a, b);
        return PyNumbers.mod(n[0], n[1]);
    }

    private static Object escapeArgs(Object b) {
        if (b instanceof String s) return Markup.escape(s);
        if (b instanceof PyTuple t) {
            List<Object> out = new ArrayList<>();
            for (Object o : t.items()) out.add(o instanceof String s ? Markup.escape(s) : o);
            return new PyTuple(out);
        }
        return b;
    }

    static Object pow(Object a, Object b) {
        Object[] n = numbers("** or pow()", a, b);
        return PyNumbers.pow(n[0], n[1]);
    }

    static Object negate(Object a) {
        if (a instanceof Undefined u) throw u.error();
        Object n = PyNumbers.asNumber(a);
        if (n == null) throw PyTypes.typeError("bad operand type for unary -: '" + PyTypes.typeName(a) + "'");
        return PyNumbers.negate(n);
    }

    static Object plus(Object a) {
        if (a instanceof Undefined u) throw u.error();
        Object n = PyNumbers.asNumber(a);
        if (n == null) throw PyTypes.typeError("bad operand type for unary +: '" + PyTypes.typeName(a) + "'");
        return n;
    }

    // ---- containers ----

    /** dict lookup with Python's key equality for numbers (1 == 1.0 == True) and Markup == str. */
    static Object dictGet(Map<?, ?> map, Object key) {
        Object v = map.get(key);
        if (v != null || map.containsKey(key)) return v;
        Object alt = switch (key) {
            case Markup m -> m.text();
            case Boolean b -> b ? 1L : 0L;
            case Double d when d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 9.0e15 -> (long) d.doubleValue();
            case null, default -> null;
        };
        if (alt != null) {
            v = map.get(alt);
            if (v != null || map.containsKey(alt)) return v;
        }
        if (key instanceof Long l && (l == 0 || l == 1)) {
            Boolean b = l == 1;
            if (map.containsKey(b)) return map.get(b);
        }
        if (key instanceof Long l && Math.abs(l) < (1L << 53)) {
            Double d = (double) l;
            if (map.containsKey(d)) return map.get(d);
        }
        return MISSING;
    }

    /** dict[key] = value where an equal key (1 == 1.0 == True) keeps its original object, as in Python. */
    static void dictPut(Map<Object, Object> map, Object key, Object value) {
        checkHashable(key);
        if (key instanceof Markup m) key = m.text();
        if (!map.containsKey(key) && (key instanceof Boolean || key instanceof Long || key instanceof Double)) {
            for (Object existing : map.keySet()) {
                if (PyNumbers.asNumber(existing) != null && eq(existing, key)) {
                    key = existing;
                    break;
                }
            }
        }
        map.put(key, value);
    }

    static boolean contains(Object container, Object item) {
        switch (container) {
            case String s -> {
                if (!PyTypes.isString(item)) {
                    if (item instanceof Undefined u) throw u.error();
                    throw PyTypes.typeError("'in <string>' requires string as left operand, not " + PyTypes.typeName(item));
                }
                return s.contains(PyRepr.str(item));
            }
            case Markup m -> {
                if (!PyTypes.isString(item)) {
                    throw PyTypes.typeError("'in <string>' requires string as left operand, not " + PyTypes.typeName(item));
                }
                return m.text().contains(PyRepr.str(item));
            }
            case Map<?, ?> map -> {
                checkHashable(item);
                return dictGet(map, item) != MISSING;
            }
            case PyDictView view when view.kind() == PyDictView.Kind.KEYS -> {
                checkHashable(item);
                return dictGet(view.dict(), item) != MISSING;
            }
            case Undefined u -> {
                return false;
            }
            case null -> throw PyTypes.typeError("argument of type 'NoneType' is not iterable");
            default -> {
                Iterator<Object> it = iterate(container);
                while (it.hasNext()) if (eq(it.next(), item)) return true;
                return false;
            }
        }
    }

    static void checkHashable(Object key) {
        if (key instanceof List<?> || key instanceof Map<?, ?> || key instanceof Namespace) {
            throw PyTypes.typeError("unhashable type: '" + PyTypes.typeName(key) + "'");
        }
        if (key instanceof Undefined u) throw u.error();
    }

    static long len(Object v) {
        return switch (v) {
            case String s -> PyStrings.length(s);
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case PyTuple t -> t.items().size();
            case Markup m -> PyStrings.length(m.text());
            case Undefined u -> 0;
            case PyDictView view -> view.dict().size();
            case null, default -> throw PyTypes.typeError("object of type '" + PyTypes.typeName(v) + "' has no len()");
        };
    }

    @SuppressWarnings("unchecked")
    static Iterator<Object> iterate(Object v) {
        return switch (v) {
            case List<?> l -> (Iterator<Object>) l.iterator();
            case PyTuple t -> t.items().iterator();
            case Map<?, ?> m -> (Iterator<Object>) m.keySet().iterator();
            case String s -> PyStrings.chars(s).iterator();
            case Markup m -> PyStrings.chars(m.text()).iterator();
            case Undefined u -> Collections.emptyIterator();
            case PyGenerator g -> g.iterator();
            case PyDictView view -> switch (view.kind()) {
                case KEYS -> view.dict().keySet().iterator();
                case VALUES -> view.dict().values().iterator();
                case ITEMS -> {
                    Iterator<? extends Map.Entry<Object, Object>> it = view.dict().entrySet().iterator();
                    yield new Iterator<>() {
                        public boolean hasNext() {
                            return it.hasNext();
                        }

                        public Object next() {
                            Map.Entry<Object, Object> e = it.next();
                            return PyTuple.of(e.getKey(), e.getValue());
                        }
                    };
                }
            };
            case null -> throw PyTypes.typeError("'NoneType' object is not iterable");
            default -> throw PyTypes.typeError("'" + PyTypes.typeName(v) + "' object is not iterable");
        };
    }

    /** list(v): always a fresh list. */
    static List<Object> toList(Object v) {
        if (v instanceof List<?> l) return new ArrayList<>(l);
        List<Object> out = new ArrayList<>();
        Iterator<Object> it = iterate(v);
        while (it.hasNext()) out.add(it.next());
        return out;
    }

    /** A list view of v for read-only use (no copy when v is already a list or tuple). */
    @SuppressWarnings("unchecked")
    static List<Object> asList(Object v) {
        if (v instanceof List<?> l) return (List<Object>) l;
        if (v instanceof PyTuple t) return t.items();
        return toList(v);
    }
}
