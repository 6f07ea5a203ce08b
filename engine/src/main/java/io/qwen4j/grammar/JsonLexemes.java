package io.qwen4j.grammar;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The lexemes of JSON output, shared across grammars (the same string, key or punctuation lexeme is built
 * once per process). Whitespace policy: every lexeme may be preceded by {@value #WS_PATTERN} — a few
 * spaces or tabs, then at most one line break followed by at most 64 spaces or tabs of indentation. That
 * admits compact JSON, Python-style {@code ", "} / {@code ": "} separators and pretty-printing up to
 * 32 levels of 2-space indent, and stops runaway whitespace. Nothing may follow the last lexeme.
 */
final class JsonLexemes {
    static final String WS_PATTERN = "[ \\t]{0,4}(\\r?\\n[ \\t]{0,64})?";
    private static final int MAX_CACHED = 20_000;
    private static final Map<String, ByteLexeme> CACHE = new ConcurrentHashMap<>();

    static final Regex WS = RegexParser.parseExact(WS_PATTERN);
    private static final EncodedLexeme WS_LEXEME = EncodedLexeme.raw("ws", WS);

    private JsonLexemes() {
    }

    static ByteLexeme cached(String key, Supplier<ByteLexeme> make) {
        ByteLexeme l = CACHE.get(key);
        if (l != null) return l;
        l = make.get();
        if (CACHE.size() >= MAX_CACHED) CACHE.clear(); // crude bound; entries are cheap to rebuild
        CACHE.putIfAbsent(key, l);
        return l;
    }

    /** Whitespace then the literal text: punctuation, true/false/null, number constants. */
    static ByteLexeme literal(String text) {
        return cached("lit:" + text, () -> EncodedLexeme.raw("lit:" + text, Regex.concat(WS, Regex.literal(text))));
    }

    /** Whitespace then raw text matching {@code regex} (numbers). */
    static ByteLexeme rawText(String key, Supplier<Regex> regex) {
        return cached("raw:" + key, () -> EncodedLexeme.raw("raw:" + key, Regex.concat(WS, regex.get())));
    }

    /** Whitespace then a JSON string whose value matches the automaton, with a length in [min, max]. */
    static ByteLexeme string(String key, Supplier<CharDfa> value, int minLength, int maxLength) {
        String k = "str:" + key + ":" + minLength + ":" + maxLength;
        return cached(k, () -> EncodedLexeme.jsonString(k, value.get(), minLength, maxLength, WS_LEXEME));
    }

    /** A JSON string with exactly this value. */
    static ByteLexeme stringLiteral(String value) {
        return string("=" + value, () -> CharDfa.compile(Regex.literal(value)), 0, -1);
    }

    /** Any JSON string with a length bound. */
    static ByteLexeme anyString(int minLength, int maxLength) {
        return string("*", () -> CharDfa.compile(Regex.repeat(Regex.ANY_CHAR, 0, -1)), minLength, maxLength);
    }
}
