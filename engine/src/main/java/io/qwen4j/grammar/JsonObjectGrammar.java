package io.qwen4j.grammar;

import io.qwen4j.tokenizer.Vocabulary;

/** {@code response_format: {type: json_object}}: any JSON object (same lexemes and whitespace policy as schemas). */
public final class JsonObjectGrammar {
    private JsonObjectGrammar() {
    }

    public static CompiledGrammar compile(Vocabulary vocabulary, JsonSchemaOptions options) {
        TokenVocabulary.of(vocabulary);
        return CompileDeadline.within(JsonSchemaGrammar.COMPILE_BUDGET_NANOS, () -> {
            GrammarBuilder gb = new GrammarBuilder();
            int root = JsonSchemaCompiler.compile(gb, JsonTree.parse("{\"type\":\"object\"}", 4), options);
            return new CompiledGrammar(gb.build(root), vocabulary, "json_object");
        });
    }
}
