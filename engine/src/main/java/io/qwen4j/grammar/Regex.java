package io.qwen4j.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * A regular expression over Unicode code points, as a tree. Built by {@link RegexParser} from JSON Schema
 * {@code pattern}s and by the schema compiler for formats, numbers and literals; compiled by {@link CharDfa}.
 */
sealed interface Regex {

    int MAX_CODE_POINT = 0x10FFFF;

    /** One code point out of a set, given as sorted, disjoint, non-adjacent inclusive [lo, hi] pairs. */
    record Chars(int[] ranges) implements Regex {
    }

    record Concat(List<Regex> parts) implements Regex {
    }

    record Alt(List<Regex> options) implements Regex {
    }

    /** {@code max < 0} means unbounded. */
    record Repeat(Regex body, int min, int max) implements Regex {
    }

    Regex EMPTY = new Concat(List.of());
    Regex ANY_CHAR = new Chars(new int[] {0, MAX_CODE_POINT});

    static Regex literal(String text) {
        List<Regex> parts = new ArrayList<>();
        text.codePoints().forEach(cp -> parts.add(new Chars(new int[] {cp, cp})));
        return parts.size() == 1 ? parts.getFirst() : new Concat(parts);
    }

    static Regex chars(int lo, int hi) {
        return new Chars(new int[] {lo, hi});
    }

    static Regex concat(Regex... parts) {
        return new Concat(List.of(parts));
    }

    static Regex alt(Regex... options) {
        return new Alt(List.of(options));
    }

    static Regex alt(List<Regex> options) {
        return options.size() == 1 ? options.getFirst() : new Alt(List.copyOf(options));
    }

    static Regex repeat(Regex body, int min, int max) {
        return new Repeat(body, min, max);
    }

    static Regex optional(Regex body) {
        return new Repeat(body, 0, 1);
    }
}
