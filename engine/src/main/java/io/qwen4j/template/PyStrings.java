package io.qwen4j.template;

import java.util.ArrayList;
import java.util.List;

/** Python str semantics on Java strings: code-point indexing, Python's whitespace and printability rules. */
final class PyStrings {
    private PyStrings() { }

    /** Python's str.isspace() for one code point (also what {@code \s} and strip()/split() use). */
    static boolean isWhitespace(int cp) {
        if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
        if (cp < 0x85) return false;
        return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A)
                || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

    static boolean isAllWhitespace(String s, int from) {
        for (int i = from; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (!isWhitespace(cp)) return false;
            i += Character.charCount(cp);
        }
        return true;
    }

    /** Python's str.isprintable() for one code point. */
    static boolean isPrintable(int cp) {
        if (cp < 0x7F) return cp >= 0x20;
        if (cp == ' ') return true;
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                 Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    static boolean isLineBreak(int cp) {
        return cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C || cp == 0x1C || cp == 0x1D || cp == 0x1E
                || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
    }

    static boolean hasSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isSurrogate(s.charAt(i))) return true;
        return false;
    }

    /** len() in code points. */
    static int length(String s) {
        return hasSurrogates(s) ? s.codePointCount(0, s.length()) : s.length();
    }

    static int[] codePoints(String s) {
        return s.codePoints().toArray();
    }

    /** s[index] with Python's negative indexing; null when out of range. */
    static String charAt(String s, long index) {
        if (!hasSurrogates(s)) {
            long i = index < 0 ? index + s.length() : index;
            if (i < 0 || i >= s.length()) return null;
            return String.valueOf(s.charAt((int) i));
        }
        int[] cps = codePoints(s);
        long i = index < 0 ? index + cps.length : index;
        if (i < 0 || i >= cps.length) return null;
        return Character.toString(cps[(int) i]);
    }

    static List<Object> chars(String s) {
        List<Object> out = new ArrayList<>(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            out.add(Character.toString(cp));
            i += Character.charCount(cp);
        }
        return out;
    }

    static String slice(String s, PySlice slice) {
        if (!hasSurrogates(s)) {
            int[] r = PySequences.sliceIndices(slice, s.length());
            int start = r[0], step = r[2], count = r[3];
            if (step == 1) return s.substring(start, start + count);
            StringBuilder sb = new StringBuilder(count);
            for (int k = 0, i = start; k < count; k++, i += step) sb.append(s.charAt(i));
            return sb.toString();
        }
        int[] cps = codePoints(s);
        int[] r = PySequences.sliceIndices(slice, cps.length);
        StringBuilder sb = new StringBuilder();
        for (int k = 0, i = r[0]; k < r[3]; k++, i += r[2]) sb.appendCodePoint(cps[i]);
        return sb.toString();
    }

    static String rstripWhitespace(String s) {
        int end = s.length();
        while (end > 0) {
            int cp = s.codePointBefore(end);
            if (!isWhitespace(cp)) break;
            end -= Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    /** strip/lstrip/rstrip; chars null means whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        if (left) {
            while (start < end) {
                int cp = s.codePointAt(start);
                if (!stripMatches(cp, chars)) break;
                start += Character.charCount(cp);
            }
        }
        if (right) {
            while (end > start) {
                int cp = s.codePointBefore(end);
                if (!stripMatches(cp, chars)) break;
                end -= Character.charCount(cp);
            }
        }
        return s.substring(start, end);
    }

    private static boolean stripMatches(int cp, String chars) {
        return chars == null ? isWhitespace(cp) : chars.indexOf(Character.toString(cp)) >= 0;
    }

    /** str.split(sep, maxsplit); sep null means runs of whitespace. */
    static List<Object> split(String s, String sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (maxsplit < 0) maxsplit = Long.MAX_VALUE;
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isWhitespace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
                if (i >= n) break;
                if (out.size() >= maxsplit) {
                    out.add(s.substring(i));
                    break;
                }
                int j = i;
                while (j < n && !isWhitespace(s.codePointAt(j))) j += Character.charCount(s.codePointAt(j));
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new TemplateException("ValueError: empty separator");
        int i = 0;
        while (out.size() < maxsplit) {
            int j = s.indexOf(sep, i);
            if (j < 0) break;
            out.add(s.substring(i, j));
            i = j + sep.length();
        }
        out.add(s.substring(i));
        return out;
    }

    static List<Object> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) return split(s, sep, -1);
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int end = s.length();
            while (true) {
                while (end > 0 && isWhitespace(s.codePointBefore(end))) end -= Character.charCount(s.codePointBefore(end));
                if (end <= 0) break;
                if (out.size() >= maxsplit) {
                    out.add(s.substring(0, end));
                    break;
                }
                int j = end;
                while (j > 0 && !isWhitespace(s.codePointBefore(j))) j -= Character.charCount(s.codePointBefore(j));
                out.add(s.substring(j, end));
                end = j;
            }
        } else {
            if (sep.isEmpty()) throw new TemplateException("ValueError: empty separator");
            int end = s.length();
            while (out.size() < maxsplit) {
                int j = s.lastIndexOf(sep, end - sep.length());
                if (j < 0) break;
                out.add(s.substring(j + sep.length(), end));
                end = j;
            }
            out.add(s.substring(0, end));
        }
        java.util.Collections.reverse(out);
        return out;
    }

    static List<Object> splitlines(String s, boolean keepends) {
        List<Object> out = new ArrayList<>();
        int i = 0;
        int start = 0;
        int n = s.length();
        while (i < n) {
            int cp = s.codePointAt(i);
            int len = Character.charCount(cp);
            if (isLineBreak(cp)) {
                int eol = i + len;
                if (cp == '\r' && eol < n && s.charAt(eol) == '\n') eol++;
                out.add(s.substring(start, keepends ? eol : i));
                start = eol;
                i = eol;
            } else {
                i += len;
            }
        }
        if (start < n) out.add(s.substring(start));
        return out;
    }

    static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    static String upper(String s) {
        return s.toUpperCase(java.util.Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(java.util.Locale.ROOT);
    }

    /** Python's str.title(). */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (prevCased) sb.append(lower(Character.toString(cp)));
            else sb.appendCodePoint(Character.toTitleCase(cp));
            prevCased = isCased(cp);
        }
        return sb.toString();
    }

    /** Python's str.capitalize() (3.8+: first char title-cased, the rest lower-cased). */
    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int cp = s.codePointAt(0);
        return Character.toString(Character.toTitleCase(cp)) + lower(s.substring(Character.charCount(cp)));
    }

    static String swapcase(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (Character.isUpperCase(cp)) sb.append(lower(Character.toString(cp)));
            else if (Character.isLowerCase(cp)) sb.append(upper(Character.toString(cp)));
            else sb.appendCodePoint(cp);
        });
        return sb.toString();
    }

    static String repeat(String s, long n) {
        if (n <= 0 || s.isEmpty()) return "";
        if ((double) s.length() * n > RenderContext.MAX_OUTPUT_CHARS) {
            throw new TemplateException("MemoryError: string repetition result too large");
        }
        return s.repeat((int) n);
    }

    /** Python's str.find semantics in code points; start/end already resolved as code-point indices. */
    static int find(String s, String sub, boolean reverse) {
        int idx = reverse ? s.lastIndexOf(sub) : s.indexOf(sub);
        if (idx < 0) return -1;
        return hasSurrogates(s) ? s.codePointCount(0, idx) : idx;
    }

    static long count(String s, String sub) {
        if (sub.isEmpty()) return length(s) + 1L;
        long n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) n++;
        return n;
    }

    static String replace(String s, String old, String rep, long count) {
        if (count < 0) return s.replace(old, rep);
        StringBuilder sb = new StringBuilder();
        if (old.isEmpty()) {
            long done = 0;
            int i = 0;
            for (; i < s.length() && done < count; done++) {
                sb.append(rep);
                int cp = s.codePointAt(i);
                sb.appendCodePoint(cp);
                i += Character.charCount(cp);
            }
            if (done < count && i >= s.length()) sb.append(rep);
            sb.append(s, i, s.length());
            return sb.toString();
        }
        int i = 0;
        long done = 0;
        while (done < count) {
            int j = s.indexOf(old, i);
            if (j < 0) break;
            sb.append(s, i, j).append(rep);
            i = j + old.length();
            done++;
        }
        return sb.append(s, i, s.length()).toString();
    }

    static String pad(String s, long width, int fill, char align) {
        int len = length(s);
        if (width <= len) return s;
        int total = (int) (width - len);
        int left = switch (align) {
            case '<' -> 0;
            case '>' -> total;
            default -> total / 2 + ((total & (int) width & 1));
        };
        String f = Character.toString(fill);
        return f.repeat(left) + s + f.repeat(total - left);
    }
}
