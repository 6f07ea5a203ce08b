package io.qwen4j.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Template values from JSON text and from plain Java objects, with Python's json semantics: objects keep
 * key order (LinkedHashMap), integers stay {@link Long} (or {@link BigInteger}) and floats {@link Double}
 * ({@code 0.0} prints as "0.0"), {@code null} is Python's None.
 */
public final class JsonValues {
    private final String text;
    private int pos;

    private JsonValues(String text) {
        this.text = text;
    }

    /**
     * Parses JSON text (as Python's {@code json.loads} does, NaN/Infinity included) into template values:
     * Map (LinkedHashMap), List, String, Long/BigInteger, Double, Boolean or null.
     *
     * @throws TemplateException if the text is not valid JSON
     */
    public static Object parse(String text) {
        JsonValues p = new JsonValues(text);
        p.skipWhitespace();
        Object v = p.value(0);
        p.skipWhitespace();
        if (p.pos != text.length()) throw p.error("Extra data");
        return v;
    }

    /** Parses a JSON object into a variables map for {@link ChatTemplate#render}. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map<?, ?>)) throw new TemplateException("JSON context must be an object");
        return (Map<String, Object>) v;
    }

    /**
     * Converts plain Java values into template values: Integer/Short/Byte become Long, Float becomes
     * Double, other CharSequences String, Collections and arrays List, Maps LinkedHashMap (keys kept in
     * iteration order). Already-canonical values are returned as they are, without copying.
     */
    public static Object fromJava(Object value) {
        return switch (value) {
            case null -> null;
            case String s -> s;
            case Long l -> l;
            case Double d -> d;
            case Boolean b -> b;
            case BigInteger b -> PyNumbers.normalize(b);
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case Float f -> Double.parseDouble(Float.toString(f));
            case java.math.BigDecimal d -> d.doubleValue();
            case Character c -> c.toString();
            case CharSequence cs -> cs.toString();
            case Map<?, ?> m -> canonicalMap(m);
            case List<?> l -> canonicalList(l);
            case Collection<?> c -> canonicalList(new ArrayList<>(c));
            case Object[] a -> canonicalList(java.util.Arrays.asList(a));
            case java.util.Optional<?> o -> fromJava(o.orElse(null));
            default -> value;
        };
    }

    private static boolean isCanonicalScalar(Object v) {
        return v == null || v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    private static Object canonicalMap(Map<?, ?> m) {
        boolean same = m instanceof LinkedHashMap<?, ?>;
        Map<Object, Object> out = null;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            Object v = e.getValue();
            Object cv = isCanonicalScalar(v) ? v : fromJava(v);
            Object k = e.getKey() instanceof String ? e.getKey() : fromJava(e.getKey());
            if (out == null && (cv != v || k != e.getKey() || !same)) {
                out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> prev : m.entrySet()) {
                    if (prev == e || prev.getKey().equals(e.getKey())) break;
                    out.put(prev.getKey(), prev.getValue());
                }
            }
            if (out != null) out.put(k, cv);
        }
        return out == null ? m : out;
    }

    private static Object canonicalList(List<?> l) {
        List<Object> out = null;
        for (int i = 0; i < l.size(); i++) {
            Object v = l.get(i);
            Object cv = isCanonicalScalar(v) ? v : fromJava(v);
            if (out == null && cv != v) {
                out = new ArrayList<>(l.size());
                out.addAll(l.subList(0, i));
            }
            if (out != null) out.add(cv);
        }
        return out == null ? l : out;
    }

    // ---- parser ----

    private TemplateException error(String msg) {
        return new TemplateException("JSONDecodeError: " + msg + " at char " + pos);
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            pos++;
        }
    }

    private Object value(int depth) {
        if (depth > 10_000) throw error("JSON nested too deeply");
        if (pos >= text.length()) throw error("Expecting value");
        char c = text.charAt(pos);
        switch (c) {
            case '{' -> {
                return object(depth);
            }
            case '[' -> {
                return array(depth);
            }
            case '"' -> {
                return string();
            }
            default -> {
                if (text.startsWith("null", pos)) {
                    pos += 4;
                    return null;
                }
                if (text.startsWith("true", pos)) {
                    pos += 4;
                    return Boolean.TRUE;
                }
                if (text.startsWith("false", pos)) {
                    pos += 5;
                    return Boolean.FALSE;
                }
                if (text.startsWith("NaN", pos)) {
                    pos += 3;
                    return Double.NaN;
                }
                if (text.startsWith("Infinity", pos)) {
                    pos += 8;
                    return Double.POSITIVE_INFINITY;
                }
                if (text.startsWith("-Infinity", pos)) {
                    pos += 9;
                    return Double.NEGATIVE_INFINITY;
                }
                return number();
            }
        }
    }

    private Object object(int depth) {
        pos++;
        Map<Object, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (pos < text.length() && text.charAt(pos) == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipWhitespace();
            if (pos >= text.length() || text.charAt(pos) != '"') throw error("Expecting property name enclosed in double quotes");
            String key = string();
            skipWhitespace();
            if (pos >= text.length() || text.charAt(pos) != ':') throw error("Expecting ':' delimiter");
            pos++;
            skipWhitespace();
            map.put(key, value(depth + 1));
            skipWhitespace();
            if (pos >= text.length()) throw error("Expecting ',' delimiter");
            char c = text.charAt(pos++);
            if (c == '}') return map;
            if (c != ',') throw error("Expecting ',' delimiter");
        }
    }

    private Object array(int depth) {
        pos++;
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (pos < text.length() && text.charAt(pos) == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipWhitespace();
            list.add(value(depth + 1));
            skipWhitespace();
            if (pos >= text.length()) throw error("Expecting ',' delimiter");
            char c = text.charAt(pos++);
            if (c == ']') return list;
            if (c != ',') throw error("Expecting ',' delimiter");
        }
    }

    private String string() {
        pos++;
        StringBuilder sb = null;
        int start = pos;
        while (true) {
            if (pos >= text.length()) throw error("Unterminated string");
            char c = text.charAt(pos);
            if (c == '"') {
                String s = sb == null ? text.substring(start, pos) : sb.append(text, start, pos).toString();
                pos++;
                return s;
            }
            if (c < 0x20) throw error("Invalid control character");
            if (c != '\\') {
                pos++;
                continue;
            }
            if (sb == null) sb = new StringBuilder();
            sb.append(text, start, pos);
            if (pos + 1 >= text.length()) throw error("Unterminated string");
            char e = text.charAt(pos + 1);
            pos += 2;
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) throw error("Invalid \\uXXXX escape");
                    try {
                        sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("Invalid \\uXXXX escape");
                    }
                    pos += 4;
                }
                default -> throw error("Invalid \\escape");
            }
            start = pos;
        }
    }

    private Object number() {
        int start = pos;
        if (pos < text.length() && text.charAt(pos) == '-') pos++;
        int digits = pos;
        if (pos < text.length() && text.charAt(pos) == '0') {
            pos++;
        } else {
            while (pos < text.length() && Character.isDigit(text.charAt(pos)) && text.charAt(pos) < 0x80) pos++;
        }
        if (pos == digits) {
            pos = start;
            throw error("Expecting value");
        }
        boolean isFloat = false;
        if (pos < text.length() && text.charAt(pos) == '.' && pos + 1 < text.length() && isAsciiDigit(text.charAt(pos + 1))) {
            isFloat = true;
            pos++;
            while (pos < text.length() && isAsciiDigit(text.charAt(pos))) pos++;
        }
        if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
            int save = pos;
            pos++;
            if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) pos++;
            if (pos < text.length() && isAsciiDigit(text.charAt(pos))) {
                isFloat = true;
                while (pos < text.length() && isAsciiDigit(text.charAt(pos))) pos++;
            } else {
                pos = save;
            }
        }
        String num = text.substring(start, pos);
        if (isFloat) return Double.parseDouble(num);
        if (num.length() < 19) return Long.parseLong(num);
        return PyNumbers.normalize(new BigInteger(num));
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
