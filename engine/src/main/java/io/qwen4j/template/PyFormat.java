package io.qwen4j.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/** Python's str.format() mini-language and printf-style {@code %} formatting. */
final class PyFormat {
    private PyFormat() { }

    // ---- str.format ----

    static String format(String template, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder sb = new StringBuilder(template.length() + 16);
        int autoIndex = 0;
        boolean manual = false;
        int n = template.length();
        for (int i = 0; i < n; i++) {
            char c = template.charAt(i);
            if (c == '}') {
                if (i + 1 < n && template.charAt(i + 1) == '}') {
                    sb.append('}');
                    i++;
                    continue;
                }
                throw new TemplateException("ValueError: Single '}' encountered in format string");
            }
            if (c != '{') {
                sb.append(c);
                continue;
            }
            if (i + 1 < n && template.charAt(i + 1) == '{') {
                sb.append('{');
                i++;
                continue;
            }
            // find the matching '}' (nested braces allowed in the spec)
            int depth = 1;
            int j = i + 1;
            while (j < n && depth > 0) {
                char d = template.charAt(j);
                if (d == '{') depth++;
                else if (d == '}') depth--;
                if (depth > 0) j++;
            }
            if (j >= n) throw new TemplateException("ValueError: expected '}' before end of string");
            String field = template.substring(i + 1, j);
            i = j;
            String spec = "";
            Character conversion = null;
            int colon = indexOutsideBrackets(field, ':');
            if (colon >= 0) {
                spec = field.substring(colon + 1);
                field = field.substring(0, colon);
            }
            int bang = indexOutsideBrackets(field, '!');
            if (bang >= 0) {
                String conv = field.substring(bang + 1);
                if (conv.length() != 1) throw new TemplateException("ValueError: expected ':' after conversion specifier");
                conversion = conv.charAt(0);
                field = field.substring(0, bang);
            }
            // first part of the field name: index or keyword
            int k = 0;
            while (k < field.length() && field.charAt(k) != '.' && field.charAt(k) != '[') k++;
            String first = field.substring(0, k);
            Object value;
            if (first.isEmpty()) {
                if (manual) throw new TemplateException("ValueError: cannot switch from manual field specification to automatic field numbering");
                if (autoIndex >= args.size()) throw new TemplateException("IndexError: Replacement index " + autoIndex + " out of range for positional args tuple");
                value = args.get(autoIndex++);
            } else if (first.chars().allMatch(Character::isDigit)) {
                manual = true;
                int idx = Integer.parseInt(first);
                if (idx >= args.size()) throw new TemplateException("IndexError: Replacement index " + idx + " out of range for positional args tuple");
                value = args.get(idx);
            } else {
                if (!kwargs.containsKey(first)) throw new TemplateException("KeyError: " + PyRepr.repr(first));
                value = kwargs.get(first);
            }
            // attribute / index chain
            while (k < field.length()) {
                char d = field.charAt(k);
                if (d == '.') {
                    int e = k + 1;
                    while (e < field.length() && field.charAt(e) != '.' && field.charAt(e) != '[') e++;
                    String attr = field.substring(k + 1, e);
                    value = PyAttributes.getAttr(value, attr);
                    if (value instanceof Undefined u) throw new TemplateException("AttributeError: " + u.hint());
                    k = e;
                } else {
                    int e = field.indexOf(']', k);
                    if (e < 0) throw new TemplateException("ValueError: Missing ']' in format string");
                    String key = field.substring(k + 1, e);
                    Object keyObj = !key.isEmpty() && key.chars().allMatch(Character::isDigit) ? (Object) Long.parseLong(key) : key;
                    value = PyAttributes.getItem(value, keyObj);
                    if (value instanceof Undefined u) throw new TemplateException("KeyError: " + PyRepr.repr(keyObj));
                    k = e + 1;
                }
            }
            if (conversion != null) {
                value = switch (conversion) {
                    case 'r' -> PyRepr.repr(value);
                    case 's' -> PyRepr.str(value);
                    case 'a' -> asciiRepr(value);
                    default -> throw new TemplateException("ValueError: Unknown conversion specifier " + conversion);
                };
            }
            if (spec.indexOf('{') >= 0) spec = format(spec, args, kwargs);
            sb.append(formatValue(value, spec));
        }
        return sb.toString();
    }

    private static int indexOutsideBrackets(String s, char c) {
        boolean inBracket = false;
        for (int i = 0; i < s.length(); i++) {
            char d = s.charAt(i);
            if (d == '[') inBracket = true;
            else if (d == ']') inBracket = false;
            else if (d == c && !inBracket) return i;
        }
        return -1;
    }

    static String asciiRepr(Object v) {
        String r = PyRepr.repr(v);
        StringBuilder sb = new StringBuilder();
        r.codePoints().forEach(cp -> {
            if (cp < 0x80) sb.appendCodePoint(cp);
            else if (cp <= 0xFF) sb.append(String.format("\\x%02x", cp));
            else if (cp <= 0xFFFF) sb.append(String.format("\\u%04x", cp));
            else sb.append(String.format("\\U%08x", cp));
        });
        return sb.toString();
    }

    /** Parsed {@code [[fill]align][sign][#][0][width][,][.precision][type]}. */
    private record Spec(int fill, char align, char sign, boolean alternate, boolean zero, int width,
                        char grouping, int precision, char type) {
        static Spec parse(String s) {
            int i = 0;
            int fill = ' ';
            char align = 0;
            int n = s.length();
            if (n >= 2) {
                int cp = s.codePointAt(0);
                int next = Character.charCount(cp);
                if (next < n && "<>=^".indexOf(s.charAt(next)) >= 0) {
                    fill = cp;
                    align = s.charAt(next);
                    i = next + 1;
                }
            }
            if (align == 0 && i < n && "<>=^".indexOf(s.charAt(i)) >= 0) align = s.charAt(i++);
            char sign = 0;
            if (i < n && "+- ".indexOf(s.charAt(i)) >= 0) sign = s.charAt(i++);
            if (i < n && s.charAt(i) == 'z') i++;
            boolean alt = false;
            if (i < n && s.charAt(i) == '#') {
                alt = true;
                i++;
            }
            boolean zero = false;
            if (i < n && s.charAt(i) == '0') {
                zero = true;
                i++;
            }
            int width = -1;
            int start = i;
            while (i < n && Character.isDigit(s.charAt(i))) i++;
            if (i > start) width = Integer.parseInt(s.substring(start, i));
            char grouping = 0;
            if (i < n && (s.charAt(i) == ',' || s.charAt(i) == '_')) grouping = s.charAt(i++);
            int precision = -1;
            if (i < n && s.charAt(i) == '.') {
                i++;
                start = i;
                while (i < n && Character.isDigit(s.charAt(i))) i++;
                if (i == start) throw new TemplateException("ValueError: Format specifier missing precision");
                precision = Integer.parseInt(s.substring(start, i));
            }
            char type = 0;
            if (i < n) type = s.charAt(i++);
            if (i < n) throw new TemplateException("ValueError: Invalid format specifier '" + s + "'");
            if (zero && align == 0) {
                fill = '0';
                align = '=';
            }
            return new Spec(fill, align, sign, alt, zero, width, grouping, precision, type);
        }
    }

    /** Python's format(value, spec). */
    static String formatValue(Object value, String specText) {
        if (specText.isEmpty()) return PyRepr.str(value);
        Spec spec = Spec.parse(specText);
        Object num = value instanceof Boolean ? null : PyNumbers.asNumber(value);
        if (value instanceof Boolean b) num = b ? 1L : 0L;
        if (PyTypes.isString(value)) {
            if (spec.type != 0 && spec.type != 's') {
                throw new TemplateException("ValueError: Unknown format code '" + spec.type + "' for object of type 'str'");
            }
            if (spec.sign != 0) throw new TemplateException("ValueError: Sign not allowed in string format specifier");
            if (spec.align == '=') throw new TemplateException("ValueError: '=' alignment not allowed in string format specifier");
            String s = PyRepr.str(value);
            if (spec.precision >= 0 && PyStrings.length(s) > spec.precision) {
                s = PyStrings.slice(s, new PySlice(0L, (long) spec.precision, null));
            }
            return PyStrings.pad(s, spec.width, spec.fill, spec.align == 0 ? '<' : spec.align);
        }
        if (num == null) {
            throw new TemplateException("TypeError: unsupported format string passed to " + PyTypes.typeName(value) + ".__format__");
        }
        return formatNumber(num, spec);
    }

    private static String formatNumber(Object num, Spec spec) {
        char type = spec.type;
        boolean isFloat = num instanceof Double;
        String body;
        boolean negative;
        String prefix = "";
        if (!isFloat && (type == 0 || "bcdoxXn".indexOf(type) >= 0)) {
            if (spec.precision >= 0) throw new TemplateException("ValueError: Precision not allowed in integer format specifier");
            BigInteger b = PyNumbers.big(num);
            negative = b.signum() < 0;
            b = b.abs();
            switch (type) {
                case 'b' -> {
                    body = b.toString(2);
                    prefix = spec.alternate ? "0b" : "";
                }
                case 'o' -> {
                    body = b.toString(8);
                    prefix = spec.alternate ? "0o" : "";
                }
                case 'x' -> {
                    body = b.toString(16);
                    prefix = spec.alternate ? "0x" : "";
                }
                case 'X' -> {
                    body = b.toString(16).toUpperCase();
                    prefix = spec.alternate ? "0X" : "";
                }
                case 'c' -> {
                    body = Character.toString(b.intValue());
                    negative = false;
                }
                default -> body = group(b.toString(), spec.grouping);
            }
        } else {
            if ("eEfFgG%".indexOf(type) < 0 && type != 0 && type != 'n') {
                throw new TemplateException("ValueError: Unknown format code '" + type + "' for object of type '"
                        + (isFloat ? "float" : "int") + "'");
            }
            double d = PyNumbers.toDouble(num);
            negative = d < 0 || (d == 0 && 1 / d < 0);
            double a = Math.abs(d);
            if (Double.isNaN(a) || Double.isInfinite(a)) {
                body = Double.isNaN(a) ? "nan" : "inf";
                if (Character.isUpperCase(type)) body = body.toUpperCase();
            } else {
                int p = spec.precision < 0 ? 6 : spec.precision;
                body = switch (type) {
                    case 'f', 'F' -> fixed(a, p);
                    case 'e', 'E' -> exponent(a, p, type == 'E');
                    case '%' -> fixed(a * 100, p) + "%";
                    case 'g', 'G', 'n' -> general(a, spec.precision < 0 ? 6 : Math.max(p, 1), spec.alternate, type == 'G');
                    default -> spec.precision < 0 ? PyRepr.floatRepr(a) : generalRepr(a, Math.max(p, 1));
                };
                if (spec.grouping != 0) {
                    int dot = body.indexOf('.');
                    int end = dot >= 0 ? dot : body.indexOf('e') >= 0 ? body.indexOf('e') : body.length();
                    body = group(body.substring(0, end), spec.grouping) + body.substring(end);
                }
            }
        }
        String sign = negative ? "-" : spec.sign == '+' ? "+" : spec.sign == ' ' ? " " : "";
        char align = spec.align == 0 ? '>' : spec.align;
        String f = Character.toString(spec.fill);
        int len = sign.length() + prefix.length() + PyStrings.length(body);
        if (spec.width <= len) return sign + prefix + body;
        int pad = spec.width - len;
        if (align == '=') return sign + prefix + f.repeat(pad) + body;
        return PyStrings.pad(sign + prefix + body, spec.width, spec.fill, align);
    }

    private static String group(String digits, char sep) {
        if (sep == 0 || digits.length() <= 3) return digits;
        StringBuilder sb = new StringBuilder();
        int first = digits.length() % 3;
        if (first > 0) sb.append(digits, 0, first);
        for (int i = first; i < digits.length(); i += 3) {
            if (!sb.isEmpty()) sb.append(sep);
            sb.append(digits, i, i + 3);
        }
        return sb.toString();
    }

    static String fixed(double a, int precision) {
        return new BigDecimal(a).setScale(precision, RoundingMode.HALF_EVEN).toPlainString();
    }

    static String exponent(double a, int precision, boolean upper) {
        String digits;
        int exp;
        if (a == 0) {
            digits = "0".repeat(precision + 1);
            exp = 0;
        } else {
            BigDecimal bd = new BigDecimal(a).round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
            digits = bd.unscaledValue().toString();
            exp = digits.length() - 1 - bd.scale();
            if (digits.length() < precision + 1) digits = digits + "0".repeat(precision + 1 - digits.length());
            digits = digits.substring(0, precision + 1);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(digits.charAt(0));
        if (precision > 0) sb.append('.').append(digits, 1, digits.length());
        sb.append(upper ? 'E' : 'e').append(exp < 0 ? '-' : '+');
        int e = Math.abs(exp);
        if (e < 10) sb.append('0');
        return sb.append(e).toString();
    }

    /** %g / format 'g'. */
    static String general(double a, int precision, boolean alternate, boolean upper) {
        int exp;
        if (a == 0) {
            exp = 0;
        } else {
            BigDecimal bd = new BigDecimal(a).round(new MathContext(precision, RoundingMode.HALF_EVEN));
            exp = bd.precision() - 1 - bd.scale();
        }
        String out;
        if (exp >= -4 && exp < precision) {
            out = fixed(a, precision - 1 - exp);
            if (!alternate && out.indexOf('.') >= 0) out = stripZeros(out);
        } else {
            out = exponent(a, precision - 1, upper);
            if (!alternate) {
                int e = out.indexOf(upper ? 'E' : 'e');
                out = stripZeros(out.substring(0, e)) + out.substring(e);
            }
        }
        return out;
    }

    /** Float formatting with no type but a precision: like 'g' but always keeps one decimal. */
    private static String generalRepr(double a, int precision) {
        String s = general(a, precision, false, false);
        if (s.indexOf('.') < 0 && s.indexOf('e') < 0 && s.indexOf("inf") < 0) s = s + ".0";
        return s;
    }

    private static String stripZeros(String s) {
        if (s.indexOf('.') < 0) return s;
        int end = s.length();
        while (s.charAt(end - 1) == '0') end--;
        if (s.charAt(end - 1) == '.') end--;
        return s.substring(0, end);
    }

    // ---- printf-style ----

    static String percentFormat(String template, Object args) {
        List<Object> positional = args instanceof PyTuple t ? t.items() : List.of(args == null ? NONE : args);
        Map<?, ?> mapping = args instanceof Map<?, ?> m ? m : null;
        // Python treats any non-tuple, non-str operand with __getitem__ as a mapping: no "not all converted" error.
        boolean mappingLike = mapping != null || args instanceof List<?> || args instanceof Undefined
                || args instanceof PyDictView;
        StringBuilder sb = new StringBuilder();
        int argIndex = 0;
        int n = template.length();
        for (int i = 0; i < n; i++) {
            char c = template.charAt(i);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            if (++i >= n) throw new TemplateException("ValueError: incomplete format");
            Object value = null;
            boolean haveValue = false;
            if (template.charAt(i) == '(') {
                int close = template.indexOf(')', i);
                if (close < 0) throw new TemplateException("ValueError: incomplete format key");
                if (mapping == null) throw PyTypes.typeError("format requires a mapping");
                Object v = PyOps.dictGet(mapping, template.substring(i + 1, close));
                if (v == PyOps.MISSING) throw new TemplateException("KeyError: " + PyRepr.repr(template.substring(i + 1, close)));
                value = v;
                haveValue = true;
                i = close + 1;
            }
            StringBuilder flags = new StringBuilder();
            while (i < n && "-+ #0".indexOf(template.charAt(i)) >= 0) flags.append(template.charAt(i++));
            int width = -1;
            if (i < n && template.charAt(i) == '*') {
                width = (int) (long) (Long) positional.get(argIndex++);
                i++;
            } else {
                int s = i;
                while (i < n && Character.isDigit(template.charAt(i))) i++;
                if (i > s) width = Integer.parseInt(template.substring(s, i));
            }
            int precision = -1;
            if (i < n && template.charAt(i) == '.') {
                i++;
                int s = i;
                while (i < n && Character.isDigit(template.charAt(i))) i++;
                precision = i > s ? Integer.parseInt(template.substring(s, i)) : 0;
            }
            while (i < n && "hlL".indexOf(template.charAt(i)) >= 0) i++;
            if (i >= n) throw new TemplateException("ValueError: incomplete format");
            char type = template.charAt(i);
            if (type == '%') {
                sb.append('%');
                continue;
            }
            if (!haveValue) {
                if (mapping != null && !(args instanceof PyTuple)) {
                    value = args;
                } else {
                    if (argIndex >= positional.size()) throw PyTypes.typeError("not enough arguments for format string");
                    value = positional.get(argIndex++);
                    if (value == NONE) value = null;
                }
            }
            String f = flags.toString();
            String body;
            switch (type) {
                case 's' -> body = precisionCut(PyRepr.str(value), precision);
                case 'r' -> body = precisionCut(PyRepr.repr(value), precision);
                case 'a' -> body = precisionCut(asciiRepr(value), precision);
                case 'c' -> body = value instanceof String s ? s : Character.toString((int) (long) (Long) value);
                case 'd', 'i', 'u', 'x', 'X', 'o', 'e', 'E', 'f', 'F', 'g', 'G' -> {
                    Object num = PyNumbers.asNumber(value);
                    if (num == null) {
                        throw PyTypes.typeError("%" + type + " format: a real number is required, not " + PyTypes.typeName(value));
                    }
                    StringBuilder spec = new StringBuilder();
                    if (f.indexOf('+') >= 0) spec.append('+');
                    else if (f.indexOf(' ') >= 0) spec.append(' ');
                    if (f.indexOf('#') >= 0) spec.append('#');
                    if (f.indexOf('0') >= 0 && f.indexOf('-') < 0 && width > 0) spec.append('0');
                    if (width > 0) spec.append(width);
                    char t = type == 'i' || type == 'u' ? 'd' : type;
                    if ("dxXo".indexOf(t) >= 0) {
                        if (num instanceof Double d) num = PyNumbers.normalize(new BigDecimal(d).toBigInteger());
                    } else {
                        spec.append('.').append(precision < 0 ? 6 : precision);
                    }
                    spec.append(t);
                    body = formatValue(num, spec.toString());
                    if (f.indexOf('-') >= 0) body = PyStrings.pad(body.strip(), width, ' ', '<');
                    sb.append(body);
                    continue;
                }
                default -> throw new TemplateException("ValueError: unsupported format character '" + type + "'");
            }
            sb.append(PyStrings.pad(body, width, ' ', f.indexOf('-') >= 0 ? '<' : '>'));
        }
        if (!mappingLike && argIndex < positional.size()) {
            throw PyTypes.typeError("not all arguments converted during string formatting");
        }
        return sb.toString();
    }

    private static final Object NONE = new Object();

    private static String precisionCut(String s, int precision) {
        return precision >= 0 && PyStrings.length(s) > precision ? PyStrings.slice(s, new PySlice(0L, (long) precision, null)) : s;
    }
}
