package io.qwen4j.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Python's str() and repr() of template values. */
final class PyRepr {
    private PyRepr() { }

    /** Python str(v); Undefined prints as "". */
    static String str(Object v) {
        return switch (v) {
            case String s -> s;
            case null -> "None";
            case Boolean b -> b ? "True" : "False";
            case Long l -> l.toString();
            case Double d -> floatRepr(d);
            case BigInteger b -> b.toString();
            case Markup m -> m.text();
            case Undefined u -> "";
            default -> {
                StringBuilder sb = new StringBuilder();
                appendRepr(sb, v, 0);
                yield sb.toString();
            }
        };
    }

    static String repr(Object v) {
        StringBuilder sb = new StringBuilder();
        appendRepr(sb, v, 0);
        return sb.toString();
    }

    static void appendStr(StringBuilder sb, Object v) {
        switch (v) {
            case String s -> sb.append(s);
            case Markup m -> sb.append(m.text());
            case Undefined u -> { }
            case Long l -> sb.append(l.longValue());
            case null, default -> sb.append(str(v));
        }
    }

    private static void appendRepr(StringBuilder sb, Object v, int depth) {
        if (depth > 500) throw new TemplateException("RecursionError: maximum recursion depth exceeded while getting the repr of an object");
        switch (v) {
            case null -> sb.append("None");
            case String s -> appendStringRepr(sb, s);
            case Boolean b -> sb.append(b ? "True" : "False");
            case Long l -> sb.append(l.longValue());
            case Double d -> sb.append(floatRepr(d));
            case BigInteger b -> sb.append(b);
            case Markup m -> {
                sb.append("Markup(");
                appendStringRepr(sb, m.text());
                sb.append(')');
            }
            case List<?> list -> {
                sb.append('[');
                appendItems(sb, list.iterator(), depth);
                sb.append(']');
            }
            case PyTuple t -> {
                sb.append('(');
                appendItems(sb, t.items().iterator(), depth);
                if (t.items().size() == 1) sb.append(',');
                sb.append(')');
            }
            case Map<?, ?> map -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!first) sb.append(", ");
                    first = false;
                    appendRepr(sb, e.getKey(), depth + 1);
                    sb.append(": ");
                    appendRepr(sb, e.getValue(), depth + 1);
                }
                sb.append('}');
            }
            case PyDictView view -> {
                sb.append(view.typeName()).append("([");
                appendItems(sb, PyOps.iterate(view), depth);
                sb.append("])");
            }
            case Undefined u -> sb.append("Undefined");
            case Namespace ns -> {
                sb.append("<Namespace ");
                appendRepr(sb, ns.attributes, depth + 1);
                sb.append('>');
            }
            case PyGenerator g -> sb.append("<generator object sync_do_map at 0x7f0000000000>");
            case Macro m -> sb.append("<Macro '").append(m.name()).append("'>");
            case LoopContext l -> sb.append("<LoopContext ").append(l.index()).append('/').append(l.length()).append('>');
            case BoundMethod b -> sb.append("<built-in method ").append(b.name()).append(" of ")
                    .append(PyTypes.typeName(b.self())).append(" object at 0x7f0000000000>");
            case PySlice s -> sb.append("slice(").append(repr(s.start())).append(", ").append(repr(s.stop()))
                    .append(", ").append(repr(s.step())).append(')');
            default -> sb.append("<").append(PyTypes.typeName(v)).append(" object>");
        }
    }

    private static void appendItems(StringBuilder sb, Iterator<?> it, int depth) {
        boolean first = true;
        while (it.hasNext()) {
            if (!first) sb.append(", ");
            first = false;
            appendRepr(sb, it.next(), depth + 1);
        }
    }

    /** Python's repr of a str: quote choice, backslash escapes, non-printables as \xNN/\\uNNNN/\\UNNNNNNNN. */
    static void appendStringRepr(StringBuilder sb, String s) {
        char quote = (s.indexOf('\'') >= 0 && s.indexOf('"') < 0) ? '"' : '\'';
        sb.append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') {
                sb.append('\\').appendCodePoint(cp);
            } else if (cp == '\t') {
                sb.append("\\t");
            } else if (cp == '\n') {
                sb.append("\\n");
            } else if (cp == '\r') {
                sb.append("\\r");
            } else if (cp < 0x20 || cp == 0x7F) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp < 0x7F || PyStrings.isPrintable(cp)) {
                sb.appendCodePoint(cp);
            } else if (cp <= 0xFF) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp <= 0xFFFF) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.append(String.format("\\U%08x", cp));
            }
        }
        sb.append(quote);
    }

    /** Python's float repr: shortest round-trip digits, exponent form when exp < -4 or >= 16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        // Java's Double.toString yields the shortest digits that round-trip (JDK 19+), as Python's repr does.
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int decpt = digits.length() - bd.scale(); // value = 0.digits * 10^decpt
        if (digits.length() == 2) {
            // Java prints at least two significant digits (4.9E-324); Python keeps one when it round-trips.
            BigDecimal one = new BigDecimal(Math.abs(d)).round(new java.math.MathContext(1, java.math.RoundingMode.HALF_EVEN));
            if (one.doubleValue() == Math.abs(d)) {
                digits = one.unscaledValue().toString();
                decpt = 1 - one.scale();
            }
        }
        StringBuilder sb = new StringBuilder(24);
        if (d < 0) sb.append('-');
        if (decpt > -4 && decpt <= 16) {
            if (decpt <= 0) {
                sb.append("0.");
                sb.append("0".repeat(-decpt)).append(digits);
            } else if (decpt >= digits.length()) {
                sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
            } else {
                sb.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
            }
        } else {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
            int exp = decpt - 1;
            sb.append('e').append(exp < 0 ? '-' : '+');
            int a = Math.abs(exp);
            if (a < 10) sb.append('0');
            sb.append(a);
        }
        return sb.toString();
    }

    static String join(List<Object> items, String sep) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) sb.append(sep);
            appendStr(sb, items.get(i));
        }
        return sb.toString();
    }
}
