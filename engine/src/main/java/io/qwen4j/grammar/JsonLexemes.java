package io.qwen4j.grammar;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The lexemes of JSON output under one whitespace policy, shared across grammars (the same string, key or
 * punctuation lexeme is built once per process). Every lexeme may be preceded by whitespace: at most one
 * space, or one line break followed by at most {@code maxIndent} spaces or tabs of indentation (negative:
 * no line break). That admits compact JSON, {@code ", "} / {@code ": "} separators and pretty-printing
 * (each line's indentation within the bound), and no run of whitespace longer than one line break and its
 * indentation. Nothing may follow the last lexeme.
 */
final class JsonLexemes {
    private static final int MAX_CACHED = 20_000;
    private static final Map<String, ByteLexeme> CACHE = new ConcurrentHashMap<>();
    private static final Map<Integer, JsonLexemes> BY_INDENT = new ConcurrentHashMap<>();

    private final String prefix;
    private final Regex ws;
    private final CharDfa wsDfa;
    private final EncodedLexeme wsLexeme;

    private JsonLexemes(int maxIndent) {
        String pattern = maxIndent < 0 ? " ?" : "( |\\r?\\n[ \\t]{0," + maxIndent + "})?";
        this.prefix = "ws" + Math.max(-1, maxIndent) + ":";
        this.ws = RegexParser.parseExact(pattern);
        this.wsDfa = CharDfa.compile(ws);
        this.wsLexeme = EncodedLexeme.raw(prefix + "ws", ws);
    }

    /** The lexemes whose leading whitespace follows {@code options.maxIndent()}. */
    static JsonLexemes of(JsonSchemaOptions options) {
        return BY_INDENT.computeIfAbsent(Math.max(-1, options.maxIndent()), JsonLexemes::new);
    }

    private static ByteLexeme cached(String key, Supplier<ByteLexeme> make) {
        ByteLexeme l = CACHE.get(key);
        if (l != null) return l;
        l = make.get();
        if (CACHE.size() >= MAX_CACHED) CACHE.clear(); // crude bound; entries are cheap to rebuild
        CACHE.putIfAbsent(key, l);
        return l;
    }

    /** Exactly this text, no whitespace (the tool-call wrapper's line breaks). */
    static ByteLexeme exact(String text) {
        return cached("exact:" + text, () -> EncodedLexeme.raw("exact:" + text, Regex.literal(text)));
    }

    /** Whitespace then the literal text: punctuation, true/false/null, number constants. */
    ByteLexeme literal(String text) {
        String k = prefix + "lit:" + text;
        return cached(k, () -> EncodedLexeme.raw(k, Regex.concat(ws, Regex.literal(text))));
    }

    /** Whitespace then raw text matching {@code regex} (numbers). */
    ByteLexeme rawText(String key, Supplier<Regex> regex) {
        String k = prefix + "raw:" + key;
        return cached(k, () -> EncodedLexeme.raw(k, Regex.concat(ws, regex.get())));
    }

    /** Whitespace then raw text accepted by the automaton, whose first character is never whitespace. */
    ByteLexeme rawAutomaton(String key, Supplier<CharDfa> dfa) {
        String k = prefix + "dfa:" + key;
        return cached(k, () -> EncodedLexeme.raw(k, CharDfa.concat(wsDfa, dfa.get())));
    }

    /** Whitespace then a JSON string whose value matches the automaton, with a length in [min, max]. */
    ByteLexeme string(String key, Supplier<CharDfa> value, int minLength, int maxLength) {
        String k = prefix + "str:" + key + ":" + minLength + ":" + maxLength;
        return cached(k, () -> EncodedLexeme.jsonString(k, value.get(), minLength, maxLength, wsLexeme));
    }

    /** A JSON string with exactly this value. */
    ByteLexeme stringLiteral(String value) {
        return string("=" + value, () -> CharDfa.compile(Regex.literal(value)), 0, -1);
    }

    /** Any JSON string with a length bound. */
    ByteLexeme anyString(int minLength, int maxLength) {
        return string("*", () -> CharDfa.compile(Regex.repeat(Regex.ANY_CHAR, 0, -1)), minLength, maxLength);
    }
}
