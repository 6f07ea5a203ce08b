package io.qwen4j.template;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Splits template source into tokens exactly like Jinja2's lexer configured with
 * {@code trim_blocks=True, lstrip_blocks=True}: newlines normalised to {@code \n}, one trailing newline
 * dropped, {@code -}/{@code +} whitespace control, comments removed, {@code raw} blocks kept verbatim.
 */
final class TemplateLexer {
    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", "=", ".", ":", "|", ",", ";", "<", ">"
    };

    private final String src;
    private final boolean trimBlocks;
    private final boolean lstripBlocks;
    private final List<Token> tokens = new ArrayList<>();
    private final Deque<Character> balance = new ArrayDeque<>();
    private int pos;
    private boolean lineStarting = true;

    private TemplateLexer(String source, boolean trimBlocks, boolean lstripBlocks, boolean keepTrailingNewline) {
        this.src = normalizeNewlines(source, keepTrailingNewline);
        this.trimBlocks = trimBlocks;
        this.lstripBlocks = lstripBlocks;
    }

    static List<Token> tokenize(String source, boolean trimBlocks, boolean lstripBlocks, boolean keepTrailingNewline) {
        TemplateLexer lexer = new TemplateLexer(source, trimBlocks, lstripBlocks, keepTrailingNewline);
        lexer.run();
        return lexer.tokens;
    }

    /** {@code \r\n} and {@code \r} become {@code \n}; one final newline is dropped (keep_trailing_newline=False). */
    static String normalizeNewlines(String s, boolean keepTrailingNewline) {
        StringBuilder sb = null;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '\r') {
                if (sb == null) sb = new StringBuilder(n).append(s, 0, i);
                sb.append('\n');
                if (i + 1 < n && s.charAt(i + 1) == '\n') i++;
            } else if (sb != null) {
                sb.append(c);
            }
        }
        String out = sb == null ? s : sb.toString();
        if (!keepTrailingNewline && out.endsWith("\n")) out = out.substring(0, out.length() - 1);
        return out;
    }

    private int lineAt(int p) {
        int line = 1;
        for (int i = 0; i < p && i < src.length(); i++) if (src.charAt(i) == '\n') line++;
        return line;
    }

    private TemplateSyntaxException error(String msg, int p) {
        return new TemplateSyntaxException(msg, lineAt(p));
    }

    private void add(Token.Kind kind, String text, Object value, int p) {
        tokens.add(new Token(kind, text, value, currentLine(p)));
    }

    // Line numbers are computed incrementally: tokens are produced in source order.
    private int lineCursor = 0;
    private int lineCount = 1;

    private int currentLine(int p) {
        for (; lineCursor < p && lineCursor < src.length(); lineCursor++) {
            if (src.charAt(lineCursor) == '\n') lineCount++;
        }
        return lineCount;
    }

    private void run() {
        int n = src.length();
        while (pos < n) {
            lexRoot();
        }
        tokens.add(new Token(Token.Kind.EOF, "", null, currentLine(n)));
    }

    private void lexRoot() {
        int n = src.length();
        int i = pos;
        while (true) {
            i = src.indexOf('{', i);
            if (i < 0 || i + 1 >= n) {
                add(Token.Kind.DATA, src.substring(pos), null, pos);
                pos = n;
                return;
            }
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') break;
            i++;
        }
        char type = src.charAt(i + 1);
        int openerEnd = i + 2;
        char sign = openerEnd < n ? src.charAt(openerEnd) : 0;
        if (sign != '-' && sign != '+') sign = 0;
        int rawEnd = type == '%' ? matchRawBegin(i) : -1;
        String text = src.substring(pos, i);
        if (sign == '-') {
            text = PyStrings.rstripWhitespace(text);
        } else if (sign != '+' && lstripBlocks && type != '{') {
            int lpos = text.lastIndexOf('\n') + 1;
            if ((lpos > 0 || lineStarting) && lpos < text.length() && PyStrings.isAllWhitespace(text, lpos)) {
                text = text.substring(0, lpos);
            }
        }
        if (!text.isEmpty()) add(Token.Kind.DATA, text, null, pos);
        if (rawEnd >= 0) {
            lineStarting = src.charAt(rawEnd - 1) == '\n';
            pos = rawEnd;
            lexRawBody();
            return;
        }
        pos = openerEnd + (sign != 0 ? 1 : 0);
        lineStarting = false;
        switch (type) {
            case '#' -> lexComment(i);
            case '%' -> {
                add(Token.Kind.BLOCK_BEGIN, "{%", null, i);
                lexTag(true);
            }
            default -> {
                add(Token.Kind.VARIABLE_BEGIN, "{{", null, i);
                lexTag(false);
            }
        }
    }

    /** Matches {@code {%[-+]?\s*raw\s*(-%}\s*|%})} at {@code i}; returns the end or -1. */
    private int matchRawBegin(int i) {
        int p = i + 2;
        if (p < src.length() && (src.charAt(p) == '-' || src.charAt(p) == '+')) p++;
        p = skipWhitespace(p);
        if (!src.startsWith("raw", p)) return -1;
        p = skipWhitespace(p + 3);
        if (src.startsWith("-%}", p)) return skipWhitespace(p + 3);
        if (src.startsWith("%}", p)) return p + 2;
        return -1;
    }

    private void lexRawBody() {
        int n = src.length();
        for (int i = src.indexOf("{%", pos); i >= 0; i = src.indexOf("{%", i + 1)) {
            int p = i + 2;
            char sign = p < n ? src.charAt(p) : 0;
            if (sign == '-' || sign == '+') p++;
            else sign = 0;
            p = skipWhitespace(p);
            if (!src.startsWith("endraw", p)) continue;
            p = skipWhitespace(p + 6);
            int end = blockEndAt(p);
            if (end < 0) continue;
            String text = src.substring(pos, i);
            if (sign == '-') {
                text = PyStrings.rstripWhitespace(text);
            } else if (sign != '+' && lstripBlocks) {
                int lpos = text.lastIndexOf('\n') + 1;
                if ((lpos > 0 || lineStarting) && lpos < text.length() && PyStrings.isAllWhitespace(text, lpos)) {
                    text = text.substring(0, lpos);
                }
            }
            if (!text.isEmpty()) add(Token.Kind.DATA, text, null, pos);
            lineStarting = src.charAt(end - 1) == '\n';
            pos = end;
            return;
        }
        throw error("Missing end of raw directive", pos);
    }

    /** End of a block-end delimiter starting at p ({@code +%}}, {@code -%}\s*}, {@code %}\n?}), or -1. */
    private int blockEndAt(int p) {
        if (src.startsWith("+%}", p)) return p + 3;
        if (src.startsWith("-%}", p)) return skipWhitespace(p + 3);
        if (src.startsWith("%}", p)) {
            int e = p + 2;
            if (trimBlocks && e < src.length() && src.charAt(e) == '\n') e++;
            return e;
        }
        return -1;
    }

    private int skipWhitespace(int p) {
        int n = src.length();
        while (p < n) {
            int cp = src.codePointAt(p);
            if (!PyStrings.isWhitespace(cp)) break;
            p += Character.charCount(cp);
        }
        return p;
    }

    private void lexComment(int start) {
        int n = src.length();
        for (int i = pos; i < n; i++) {
            char c = src.charAt(i);
            int end = -1;
            if (c == '+' && src.startsWith("+#}", i)) end = i + 3;
            else if (c == '-' && src.startsWith("-#}", i)) end = skipWhitespace(i + 3);
            else if (c == '#' && src.startsWith("#}", i)) {
                end = i + 2;
                if (trimBlocks && end < n && src.charAt(end) == '\n') end++;
            }
            if (end >= 0) {
                lineStarting = src.charAt(end - 1) == '\n';
                pos = end;
                return;
            }
        }
        throw error("Missing end of comment tag", start);
    }

    private void lexTag(boolean block) {
        int n = src.length();
        while (pos < n) {
            if (balance.isEmpty()) {
                int end = block ? blockEndAt(pos) : variableEndAt(pos);
                if (end >= 0) {
                    add(block ? Token.Kind.BLOCK_END : Token.Kind.VARIABLE_END, block ? "%}" : "}}", null, pos);
                    lineStarting = src.charAt(end - 1) == '\n';
                    pos = end;
                    return;
                }
            }
            int cp = src.codePointAt(pos);
            if (PyStrings.isWhitespace(cp)) {
                pos = skipWhitespace(pos);
                continue;
            }
            if (lexNumber() || lexName() || lexString() || lexOperator()) continue;
            throw error("unexpected char '" + Character.toString(cp) + "' at " + pos, pos);
        }
        // End of input inside a tag: the parser reports "unexpected end of template".
    }

    private int variableEndAt(int p) {
        if (src.startsWith("-}}", p)) return skipWhitespace(p + 3);
        if (src.startsWith("}}", p)) return p + 2;
        return -1;
    }

    /** {@code (\d+_)*\d+} at p; returns end or -1. */
    private int digitsAt(int p) {
        int n = src.length();
        if (p >= n || !isAsciiDigit(src.charAt(p))) return -1;
        int e = p;
        while (true) {
            while (e < n && isAsciiDigit(src.charAt(e))) e++;
            if (e + 1 < n && src.charAt(e) == '_' && isAsciiDigit(src.charAt(e + 1))) {
                e++;
                continue;
            }
            return e;
        }
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private boolean lexNumber() {
        int start = pos;
        char c = src.charAt(start);
        if (!isAsciiDigit(c)) return false;
        // float first (Jinja tries float_re before integer_re); it must not follow a '.'
        if (start == 0 || src.charAt(start - 1) != '.') {
            int intEnd = digitsAt(start);
            int end = -1;
            int p = intEnd;
            if (p < src.length() && src.charAt(p) == '.') {
                int f = digitsAt(p + 1);
                if (f >= 0) {
                    end = f;
                    int ex = exponentAt(f);
                    if (ex >= 0) end = ex;
                }
            } else {
                end = exponentAt(p);
            }
            if (end >= 0) {
                String text = src.substring(start, end);
                double d = Double.parseDouble(text.replace("_", ""));
                add(Token.Kind.FLOAT, text, d, start);
                pos = end;
                return true;
            }
        }
        int n = src.length();
        int end;
        int radix = 10;
        String digits;
        if (c == '0' && start + 1 < n && "bBoOxX".indexOf(src.charAt(start + 1)) >= 0) {
            char r = Character.toLowerCase(src.charAt(start + 1));
            radix = r == 'b' ? 2 : r == 'o' ? 8 : 16;
            int p = start + 2;
            StringBuilder sb = new StringBuilder();
            while (true) {
                int q = p;
                if (q < n && src.charAt(q) == '_') q++;
                if (q < n && Character.digit(src.charAt(q), radix) >= 0) {
                    sb.append(src.charAt(q));
                    p = q + 1;
                } else {
                    break;
                }
            }
            if (sb.isEmpty()) {
                end = start + 1; // just "0"
                digits = "0";
                radix = 10;
            } else {
                end = p;
                digits = sb.toString();
            }
        } else if (c == '0') {
            int p = start + 1;
            while (true) {
                int q = p;
                if (q < n && src.charAt(q) == '_') q++;
                if (q < n && src.charAt(q) == '0') p = q + 1;
                else break;
            }
            end = p;
            digits = "0";
        } else {
            end = digitsAt(start);
            digits = src.substring(start, end).replace("_", "");
        }
        BigInteger big = new BigInteger(digits, radix);
        add(Token.Kind.INTEGER, src.substring(start, end), PyNumbers.normalize(big), start);
        pos = end;
        return true;
    }

    /** {@code e[+-]?(\d+_)*\d+} at p (case-insensitive); returns end or -1. */
    private int exponentAt(int p) {
        int n = src.length();
        if (p >= n || (src.charAt(p) != 'e' && src.charAt(p) != 'E')) return -1;
        int q = p + 1;
        if (q < n && (src.charAt(q) == '+' || src.charAt(q) == '-')) q++;
        return digitsAt(q);
    }

    private boolean lexName() {
        int cp = src.codePointAt(pos);
        if (!(cp == '_' || Character.isUnicodeIdentifierStart(cp))) return false;
        int e = pos + Character.charCount(cp);
        while (e < src.length()) {
            int c = src.codePointAt(e);
            if (!(c == '_' || (Character.isUnicodeIdentifierPart(c) && !Character.isIdentifierIgnorable(c)))) break;
            e += Character.charCount(c);
        }
        add(Token.Kind.NAME, src.substring(pos, e), null, pos);
        pos = e;
        return true;
    }

    private boolean lexString() {
        char q = src.charAt(pos);
        if (q != '\'' && q != '"') return false;
        int n = src.length();
        int i = pos + 1;
        while (i < n) {
            char c = src.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == q) break;
            i++;
        }
        if (i >= n) return false; // unterminated: reported as an unexpected char
        String raw = src.substring(pos + 1, i);
        add(Token.Kind.STRING, src.substring(pos, i + 1), unescape(raw, pos), pos);
        pos = i + 1;
        return true;
    }

    /** Python's {@code unicode-escape} decoding as Jinja applies it to string literals. */
    private String unescape(String s, int at) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder sb = new StringBuilder(s.length());
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= n) {
                if (c == '\\') throw error("\\ at end of string", at);
                sb.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case '\n' -> { }
                case '\\' -> sb.append('\\');
                case '\'' -> sb.append('\'');
                case '"' -> sb.append('"');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'v' -> sb.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    String hex = s.substring(i + 1, Math.min(n, i + 1 + len));
                    if (hex.length() < len || !hex.chars().allMatch(h -> Character.digit(h, 16) >= 0)) {
                        throw error("truncated \\" + e + " escape", at);
                    }
                    int cp = Integer.parseInt(hex, 16);
                    if (cp > 0x10FFFF) throw error("illegal Unicode character", at);
                    sb.appendCodePoint(cp);
                    i += len;
                }
                case 'N' -> {
                    int close = s.indexOf('}', i);
                    if (i + 1 >= n || s.charAt(i + 1) != '{' || close < 0) throw error("malformed \\N character escape", at);
                    try {
                        sb.appendCodePoint(Character.codePointOf(s.substring(i + 2, close)));
                    } catch (IllegalArgumentException ex) {
                        throw error("unknown Unicode character name", at);
                    }
                    i = close;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        int k = 1;
                        while (k < 3 && i + 1 < n && s.charAt(i + 1) >= '0' && s.charAt(i + 1) <= '7') {
                            v = v * 8 + (s.charAt(++i) - '0');
                            k++;
                        }
                        sb.append((char) v);
                    } else if (e >= 0x80) {
                        // Jinja backslash-replaces non-ASCII first, so "\é" decodes to "\xe9".
                        int cp = s.codePointAt(i);
                        if (Character.charCount(cp) == 2) i++;
                        sb.append('\\');
                        if (cp < 0x100) sb.append(String.format("x%02x", cp));
                        else if (cp < 0x10000) sb.append(String.format("u%04x", cp));
                        else sb.append(String.format("U%08x", cp));
                    } else {
                        sb.append('\\').append(e);
                    }
                }
            }
        }
        return sb.toString();
    }

    private boolean lexOperator() {
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                char c = op.charAt(0);
                if (op.length() == 1) {
                    switch (c) {
                        case '(' -> balance.push(')');
                        case '[' -> balance.push(']');
                        case '{' -> balance.push('}');
                        case ')', ']', '}' -> {
                            if (balance.isEmpty()) throw error("unexpected '" + c + "'", pos);
                            char expected = balance.pop();
                            if (expected != c) throw error("unexpected '" + c + "', expected '" + expected + "'", pos);
                        }
                        default -> { }
                    }
                }
                add(Token.Kind.OPERATOR, op, null, pos);
                pos += op.length();
                return true;
            }
        }
        return false;
    }
}
