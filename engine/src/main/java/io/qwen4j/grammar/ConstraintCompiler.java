package io.qwen4j.grammar;

import io.qwen4j.tokenizer.Vocabulary;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Entry point for structured outputs: compiles and caches (LRU, keyed by the exact schema or tool-set text)
 * the grammars of {@code response_format} and {@code tools} for one vocabulary. Thread-safe; compiled
 * grammars are shared by concurrent requests, each of which takes its own {@link TokenConstraint}.
 */
public final class ConstraintCompiler {
    private final Vocabulary vocabulary;
    private final String toolCallOpen, toolCallClose;
    private final Map<String, Object> cache;
    private final JsonSchemaOptions options;
    private CompiledGrammar jsonObject;

    /** For a model whose tool calls stand between the added tokens {@code toolCallOpen} and {@code toolCallClose} (null: none). */
    public ConstraintCompiler(Vocabulary vocabulary, String toolCallOpen, String toolCallClose) {
        this(vocabulary, toolCallOpen, toolCallClose, JsonSchemaOptions.DEFAULT, 256);
    }

    public ConstraintCompiler(Vocabulary vocabulary, String toolCallOpen, String toolCallClose, JsonSchemaOptions options, int cacheEntries) {
        this.vocabulary = vocabulary;
        this.toolCallOpen = toolCallOpen;
        this.toolCallClose = toolCallClose;
        this.options = options;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
                return size() > cacheEntries;
            }
        };
        TokenVocabulary.of(vocabulary); // build the token tries up front
    }

    /** {@code response_format: {type: json_schema}}. @throws UnsupportedSchemaException naming the keyword */
    public CompiledGrammar jsonSchema(String schemaJson) {
        return (CompiledGrammar) cached("schema\u0000" + schemaJson, () -> JsonSchemaGrammar.compile(schemaJson, options, vocabulary));
    }

    /** {@code response_format: {type: json_object}}. */
    public synchronized CompiledGrammar jsonObject() {
        if (jsonObject == null) jsonObject = JsonObjectGrammar.compile(vocabulary, options);
        return jsonObject;
    }

    /** {@code tools} + {@code tool_choice} + {@code parallel_tool_calls}. */
    public ToolCallGrammar tools(List<ToolCallGrammar.Tool> tools, ToolCallGrammar.Choice choice, String forcedName, boolean parallel) {
        StringBuilder key = new StringBuilder("tools\u0000").append(choice).append('\u0000').append(forcedName).append('\u0000').append(parallel);
        for (ToolCallGrammar.Tool t : tools) key.append('\u0000').append(t.name()).append('\u0001').append(t.parametersJson());
        return (ToolCallGrammar) cached(key.toString(), () -> ToolCallGrammar.compile(vocabulary, toolCallOpen, toolCallClose, tools, choice, forcedName,
                parallel, options));
    }

    /**
     * The compiled grammar for {@code text}, from the cache or compiled. Refusals are cached too, so a
     * schema that runs into the compile budget costs its budget once, not on every request; a refusal for
     * exceeding a budget is forgotten after {@link #RETRY_LIMITS_AFTER_NANOS} (it may have met a busy machine).
     * Entries are keyed by a digest of the text, so the cache holds no schema text.
     */
    private Object cached(String text, java.util.function.Supplier<Object> compile) {
        String key = digest(text);
        Object v;
        synchronized (cache) {
            v = cache.get(key);
            if (v instanceof Refusal r && r.expired()) {
                cache.remove(key);
                v = null;
            }
        }
        if (v == null) {
            try {
                v = compile.get(); // outside the lock: compiles of different schemas run in parallel
            } catch (UnsupportedSchemaException e) {
                v = new Refusal(e, System.nanoTime());
            }
            synchronized (cache) {
                Object prev = cache.putIfAbsent(key, v);
                if (prev != null) v = prev;
            }
        }
        if (v instanceof Refusal(UnsupportedSchemaException e, long _)) throw new UnsupportedSchemaException(e.keyword(), e.getMessage());
        return v;
    }

    static final long RETRY_LIMITS_AFTER_NANOS = 60_000_000_000L;

    private record Refusal(UnsupportedSchemaException error, long atNanos) {
        boolean expired() {
            return error.keyword().equals("limits") && System.nanoTime() - atNanos > RETRY_LIMITS_AFTER_NANOS;
        }
    }

    private static String digest(String text) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
