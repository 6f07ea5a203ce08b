package io.qwen4j.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Python's {@code json.dumps} as transformers' tojson calls it (ensure_ascii, indent, separators, sort_keys). */
final class PyJson {
    private static final int MAX_DEPTH = 1000;

    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final boolean ensureAscii;
    private final StringBuilder out = new StringBuilder();

    private PyJson(String indent, String itemSeparator, String keySeparator, boolean sortKeys, boolean ensureAscii) {
        this.indent = indent;
        this.itemSeparator = itemSeparator;
        this.keySeparator = keySeparator;
        this.sortKeys = sortKeys;
        this.ensureAscii = ensureAscii;
    }

    static String dumps(Object value, boolean ensureAscii, Object indentArg, Object separators, boolean sortKeys) {
        String indent = switch (indentArg) {
            case null -> null;
            case String s -> s;
            case Markup m -> m.text();
            case Boolean b -> b ? " " : "";
            case Long n -> " ".repeat((int) Math.max(0, Math.min(n, 1000)));
            default -> throw PyTypes.typeError("can't multiply sequence by non-int of type '" + PyTypes.typeName(indentArg) + "'");
        };
        String itemSep = indent == null ? ", " : ",";
        String keySep = ": ";
        if (separators != null) {
            List<Object> seps = PyOps.toList(separators);
            if (seps.size() != 2) throw new TemplateException("ValueError: too many values to unpack (expected 2)");
            itemSep = PyRepr.str(seps.get(0));
            keySep = PyRepr.str(seps.get(1));
        }
        PyJson json = new PyJson(indent, itemSep, keySep, sortKeys, ensureAscii);
        json.write(value, 0);
        return json.out.toString();
    }

    private void newline(int level) {
        out.append('\n');
        for (int i = 0; i < level; i++) out.append(indent);
    }

    private void write(Object v, int level) {
        if (level > MAX_DEPTH) throw new TemplateException("RecursionError: maximum recursion depth exceeded while encoding a JSON object");
        switch (v) {
            case null -> out.append("null");
            case String s -> writeString(s);
            case Markup m -> writeString(m.text());
            case Boolean b -> out.append(b ? "true" : "false");
            case Long l -> out.append(l.longValue());
            case BigInteger b -> out.append(b);
            case Double d -> out.append(floatText(d));
            case List<?> l -> writeArray(l, level);
            case PyTuple t -> writeArray(t.items(), level);
            case Map<?, ?> m -> writeObject(m, level);
            default -> throw PyTypes.typeError("Object of type " + PyTypes.typeName(v) + " is not JSON serializable");
        }
        RenderContext.checkOutput(out);
    }

    private static String floatText(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        return PyRepr.floatRepr(d);
    }

    private void writeArray(List<?> list, int level) {
        if (list.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) out.append(itemSeparator);
            if (indent != null) newline(level + 1);
            write(list.get(i), level + 1);
        }
        if (indent != null) newline(level);
        out.append(']');
    }

    private void writeObject(Map<?, ?> map, int level) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        if (sortKeys) entries.sort((a, b) -> PyOps.compare(a.getKey(), b.getKey(), "<"));
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : entries) {
            if (!first) out.append(itemSeparator);
            first = false;
            if (indent != null) newline(level + 1);
            writeString(keyText(e.getKey()));
            out.append(keySeparator);
            write(e.getValue(), level + 1);
        }
        if (indent != null) newline(level);
        out.append('}');
    }

    private static String keyText(Object key) {
        return switch (key) {
            case String s -> s;
            case Markup m -> m.text();
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case BigInteger b -> b.toString();
            case Double d -> floatText(d);
            default -> throw PyTypes.typeError("keys must be str, int, float, bool or None, not " + PyTypes.typeName(key));
        };
    }

    private void writeString(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7E)) {
                        out.append("\\u");
                        String hex = Integer.toHexString(c);
                        for (int k = hex.length(); k < 4; k++) out.append('0');
                        out.append(hex);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
