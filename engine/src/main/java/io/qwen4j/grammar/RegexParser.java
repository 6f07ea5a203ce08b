package io.qwen4j.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses the ECMA-262 subset of JSON Schema {@code pattern}s that a finite automaton can enforce: literals,
 * classes, {@code . \d \w \s} and their negations, groups, alternation, greedy or lazy quantifiers with
 * {@code {m,n}}, and {@code ^}/{@code $} at the ends of top-level alternatives. Lookaround, backreferences,
 * word boundaries and {@code \p{…}} are refused with an {@link UnsupportedSchemaException}.
 * A pattern is unanchored (it matches anywhere in the string) unless written with ^ and $.
 */
final class RegexParser {
    static final int[] DIGIT = {'0', '9'};
    static final int[] WORD = CharRanges.of('0', '9', 'A', 'Z', '_', '_', 'a', 'z');
    static final int[] SPACE = CharRanges.of('\t', '\r', ' ', ' ', 0xA0, 0xA0, 0x1680, 0x1680, 0x2000, 0x200A,
            0x2028, 0x2029, 0x202F, 0x202F, 0x205F, 0x205F, 0x3000, 0x3000, 0xFEFF, 0xFEFF);
    static final int[] DOT = CharRanges.complement(CharRanges.of('\n', '\n', '\r', '\r', 0x2028, 0x2029));
    private static final int MAX_REPEAT = 1000;

    private final int[] cps;
    private final String source;
    private int pos;

    private RegexParser(String pattern) {
        this.source = pattern;
        this.cps = pattern.codePoints().toArray();
    }

    /** The language of strings that contain a match of {@code pattern} (JSON Schema's search semantics). */
    static Regex parseSearch(String pattern) {
        RegexParser p = new RegexParser(pattern);
        List<Regex> options = new ArrayList<>();
        do {
            boolean anchoredStart = p.eat('^');
            Regex body = p.sequence(true);
            boolean anchoredEnd = p.eat('$');
            if (!p.atEnd() && p.peek() != '|') throw p.unsupported("'$' or '^' inside the pattern");
            Regex anyPrefix = Regex.repeat(Regex.ANY_CHAR, 0, -1);
            options.add(Regex.concat(anchoredStart ? Regex.EMPTY : anyPrefix, body, anchoredEnd ? Regex.EMPTY : anyPrefix));
        } while (p.eat('|'));
        if (!p.atEnd()) throw p.syntax("unbalanced ')'");
        return Regex.alt(options);
    }

    /** A whole-string regex (no search semantics): used for formats and internal lexemes. */
    static Regex parseExact(String pattern) {
        RegexParser p = new RegexParser(pattern);
        Regex r = p.alternation();
        if (!p.atEnd()) throw p.syntax("unbalanced ')'");
        return r;
    }

    private Regex alternation() {
        List<Regex> options = new ArrayList<>();
        options.add(sequence(false));
        while (eat('|')) options.add(sequence(false));
        return Regex.alt(options);
    }

    private Regex sequence(boolean topLevel) {
        List<Regex> parts = new ArrayList<>();
        while (!atEnd()) {
            int c = peek();
            if (c == '|' || c == ')') break;
            if (c == '$' && topLevel && (pos + 1 == cps.length || cps[pos + 1] == '|')) break;
            if (c == '^' || c == '$') throw unsupported("'" + (char) c + "' anchor inside the pattern");
            parts.add(quantified(atom()));
        }
        return parts.size() == 1 ? parts.getFirst() : new Regex.Concat(parts);
    }

    private Regex quantified(Regex atom) {
        while (!atEnd()) {
            int c = peek();
            int min, max;
            if (c == '*') { pos++; min = 0; max = -1; }
            else if (c == '+') { pos++; min = 1; max = -1; }
            else if (c == '?') { pos++; min = 0; max = 1; }
            else if (c == '{') {
                int save = pos;
                int[] bounds = braces();
                if (bounds == null) { pos = save; return atom; }
                min = bounds[0]; max = bounds[1];
            } else return atom;
            eat('?'); // lazy: same language
            if (min > MAX_REPEAT || max > MAX_REPEAT) throw unsupported("repetition count above " + MAX_REPEAT);
            if (max >= 0 && max < min) throw syntax("numbers out of order in {} quantifier");
            atom = Regex.repeat(atom, min, max);
        }
        return atom;
    }

    /** {@code {m}}, {@code {m,}}, {@code {m,n}}; null when the brace is a literal (Annex B). */
    private int[] braces() {
        pos++; // '{'
        long min = number();
        if (min < 0) return null;
        long max = min;
        if (eat(',')) {
            max = atEnd() || peek() == '}' ? -1 : number();
            if (max < 0 && (atEnd() || peek() != '}')) return null;
        }
        if (!eat('}')) return null;
        if (min > Integer.MAX_VALUE || max > Integer.MAX_VALUE) throw unsupported("repetition count above " + MAX_REPEAT);
        return new int[] {(int) min, (int) max};
    }

    private long number() {
        int start = pos;
        long v = 0;
        while (!atEnd() && peek() >= '0' && peek() <= '9') {
            v = Math.min(v * 10 + (peek() - '0'), Integer.MAX_VALUE + 1L);
            pos++;
        }
        return pos == start ? -1 : v;
    }

    private Regex atom() {
        int c = cps[pos++];
        switch (c) {
            case '.': return new Regex.Chars(DOT);
            case '[': return new Regex.Chars(charClass());
            case '(': {
                if (eat('?')) {
                    if (eat(':')) { /* non-capturing */ }
                    else if (peek() == '<' && pos + 1 < cps.length && cps[pos + 1] != '=' && cps[pos + 1] != '!') {
                        while (!atEnd() && peek() != '>') pos++;
                        if (!eat('>')) throw syntax("unterminated group name");
                    } else throw unsupported("lookaround or inline flags '(?" + (atEnd() ? "" : Character.toString(peek())) + "'");
                }
                Regex inner = alternation();
                if (!eat(')')) throw syntax("missing ')'");
                return inner;
            }
            case '\\': return escape();
            case '*', '+', '?': throw syntax("nothing to repeat");
            case ')': throw syntax("unbalanced ')'");
            default: return Regex.chars(c, c);
        }
    }

    private Regex escape() {
        if (atEnd()) throw syntax("trailing backslash");
        int c = cps[pos++];
        return switch (c) {
            case 'd' -> new Regex.Chars(DIGIT);
            case 'D' -> new Regex.Chars(CharRanges.complement(DIGIT));
            case 'w' -> new Regex.Chars(WORD);
            case 'W' -> new Regex.Chars(CharRanges.complement(WORD));
            case 's' -> new Regex.Chars(SPACE);
            case 'S' -> new Regex.Chars(CharRanges.complement(SPACE));
            case 'b', 'B' -> throw unsupported("word boundary \\" + (char) c);
            case 'p', 'P' -> throw unsupported("Unicode property escape \\" + (char) c);
            case 'k' -> throw unsupported("backreference \\k");
            default -> {
                if (c >= '1' && c <= '9') throw unsupported("backreference \\" + (char) c);
                int cp = characterEscape(c);
                yield Regex.chars(cp, cp);
            }
        };
    }

    /** The code point of a character escape, after the backslash and its first letter {@code c}. */
    private int characterEscape(int c) {
        switch (c) {
            case 't': return '\t';
            case 'n': return '\n';
            case 'r': return '\r';
            case 'f': return '\f';
            case 'v': return 0x0B;
            case '0': return 0;
            case 'c': {
                if (!atEnd() && Character.isLetter(peek()) && peek() < 128) return cps[pos++] % 32;
                throw syntax("invalid \\c escape");
            }
            case 'x': return hex(2);
            case 'u': {
                if (eat('{')) {
                    int v = 0, n = 0;
                    while (!atEnd() && peek() != '}') { v = v * 16 + hexDigit(cps[pos++]); if (++n > 6) throw syntax("bad \\u{}"); }
                    if (!eat('}') || n == 0 || v > Regex.MAX_CODE_POINT) throw syntax("bad \\u{} escape");
                    return v;
                }
                int hi = hex(4);
                // A surrogate pair written as two escapes is one code point.
                if (hi >= 0xD800 && hi <= 0xDBFF && pos + 5 < cps.length + 0 && cps[pos] == '\\' && cps[pos + 1] == 'u') {
                    int save = pos;
                    pos += 2;
                    int lo = hex(4);
                    if (lo >= 0xDC00 && lo <= 0xDFFF) return Character.toCodePoint((char) hi, (char) lo);
                    pos = save;
                }
                return hi;
            }
            default:
                if (Character.isLetterOrDigit(c)) throw unsupported("escape \\" + Character.toString(c));
                return c; // identity escape of a syntax character
        }
    }

    private int[] charClass() {
        boolean negated = eat('^');
        List<Integer> pairs = new ArrayList<>();
        boolean first = true;
        while (true) {
            if (atEnd()) throw syntax("unterminated character class");
            int c = peek();
            if (c == ']' && !first) { pos++; break; }
            if (c == ']') { pos++; break; } // "[]" matches nothing in ECMA-262
            first = false;
            int[] lo = classAtom();
            if (lo.length == 2 && lo[0] == lo[1] && !atEnd() && peek() == '-' && pos + 1 < cps.length && cps[pos + 1] != ']') {
                pos++;
                int[] hi = classAtom();
                if (hi.length != 2 || hi[0] != hi[1]) throw unsupported("class range with a class escape");
                if (hi[0] < lo[0]) throw syntax("range out of order in character class");
                pairs.add(lo[0]);
                pairs.add(hi[0]);
            } else {
                for (int v : lo) pairs.add(v);
            }
        }
        int[] set = CharRanges.normalize(pairs.stream().mapToInt(Integer::intValue).toArray());
        return negated ? CharRanges.complement(set) : set;
    }

    private int[] classAtom() {
        int c = cps[pos++];
        if (c != '\\') return new int[] {c, c};
        if (atEnd()) throw syntax("trailing backslash");
        int e = cps[pos++];
        return switch (e) {
            case 'd' -> DIGIT;
            case 'D' -> CharRanges.complement(DIGIT);
            case 'w' -> WORD;
            case 'W' -> CharRanges.complement(WORD);
            case 's' -> SPACE;
            case 'S' -> CharRanges.complement(SPACE);
            case 'b' -> new int[] {8, 8};
            case '-' -> new int[] {'-', '-'};
            case 'p', 'P' -> throw unsupported("Unicode property escape \\" + (char) e);
            default -> {
                if (e >= '1' && e <= '9') throw unsupported("backreference in class");
                int cp = characterEscape(e);
                yield new int[] {cp, cp};
            }
        };
    }

    private int hex(int digits) {
        int v = 0;
        for (int i = 0; i < digits; i++) {
            if (atEnd()) throw syntax("incomplete hex escape");
            v = v * 16 + hexDigit(cps[pos++]);
        }
        return v;
    }

    private int hexDigit(int c) {
        int d = Character.digit(c, 16);
        if (d < 0 || c > 'f') throw syntax("invalid hex digit");
        return d;
    }

    private boolean atEnd() {
        return pos >= cps.length;
    }

    private int peek() {
        return cps[pos];
    }

    private boolean eat(int c) {
        if (pos < cps.length && cps[pos] == c) {
            pos++;
            return true;
        }
        return false;
    }

    private UnsupportedSchemaException unsupported(String what) {
        return new UnsupportedSchemaException("pattern", "unsupported regex feature: " + what + " in /" + source + "/");
    }

    private UnsupportedSchemaException syntax(String what) {
        return new UnsupportedSchemaException("pattern", "invalid regex /" + source + "/: " + what);
    }
}
