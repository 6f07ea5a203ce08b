package io.qwen4j.grammar;

import io.qwen4j.tokenizer.Vocabulary;

/**
 * Compiles {@code response_format: {type: json_schema}} schemas. Prefer {@link ConstraintCompiler}, which
 * caches compiled grammars by schema text.
 */
public final class JsonSchemaGrammar {
    /** Schemas longer than this many characters are refused. */
    public static final int MAX_SCHEMA_CHARS = 1 << 21;
    /** Schemas nested deeper than this are refused. */
    public static final int MAX_SCHEMA_DEPTH = 128;
    /**
     * Compile time budget, a wall-clock deadline over everything a compile builds (grammar, automata, lexer,
     * first mask); a schema or tool set that needs longer is refused ("limits").
     */
    public static final long COMPILE_BUDGET_NANOS = 3_000_000_000L;

    private JsonSchemaGrammar() {
    }

    /**
     * Compiles a schema (JSON text) for a vocabulary.
     *
     * @throws UnsupportedSchemaException naming the keyword or limit when the schema cannot be enforced
     */
    public static CompiledGrammar compile(String schemaJson, JsonSchemaOptions options, Vocabulary vocabulary) {
        TokenVocabulary.of(vocabulary); // once per vocabulary, outside any one schema's budget
        return CompileDeadline.within(COMPILE_BUDGET_NANOS, () -> {
            Object schema = parse(schemaJson);
            GrammarBuilder gb = new GrammarBuilder();
            int root = JsonSchemaCompiler.compile(gb, schema, options);
            return new CompiledGrammar(gb.build(root), vocabulary, "json_schema");
        });
    }

    static Object parse(String schemaJson) {
        if (schemaJson.length() > MAX_SCHEMA_CHARS) {
            throw new UnsupportedSchemaException("limits", "schema longer than " + MAX_SCHEMA_CHARS + " characters");
        }
        return JsonTree.parse(schemaJson, MAX_SCHEMA_DEPTH);
    }
}
