package io.qwen4j.grammar;

import io.qwen4j.tokenizer.Vocabulary;

/**
 * A grammar compiled for one vocabulary, shared by every request that uses the same schema or tool set:
 * the grammar, its lexer (with lazily built, cached combined states), the parser and the initial row.
 * Thread-safe; {@link #newConstraint()} is cheap.
 */
public final class CompiledGrammar {
    final Grammar grammar;
    final Lexer lexer;
    final EarleyParser parser;
    final TokenVocabulary vocabulary;
    final EarleyRow initialRow;
    /** Special-token terminals: terminal id and token id pairs. */
    final int[] specialTerminals;
    final int[] specialTokens;
    private final String description;

    CompiledGrammar(Grammar grammar, Vocabulary vocabulary, String description) {
        this.grammar = grammar;
        this.lexer = new Lexer(grammar.lexemes);
        this.parser = new EarleyParser(grammar, lexer);
        this.vocabulary = TokenVocabulary.of(vocabulary);
        this.initialRow = parser.initial();
        this.description = description;
        int n = 0;
        for (int t : grammar.specialTokenOf) if (t >= 0) n++;
        specialTerminals = new int[n];
        specialTokens = new int[n];
        n = 0;
        for (int t = 0; t < grammar.specialTokenOf.length; t++) {
            if (grammar.specialTokenOf[t] >= 0) {
                specialTerminals[n] = t;
                specialTokens[n++] = grammar.specialTokenOf[t];
            }
        }
    }

    /** A fresh per-sequence constraint at the start of the output. */
    public TokenConstraint newConstraint() {
        return new GrammarConstraint(this);
    }

    /** Number of 64-bit words of a mask. */
    public int maskWords() {
        return vocabulary.maskWords;
    }

    /** Size figures, for logs and tests. */
    public String stats() {
        return description + ": " + grammar.productionCount() + " productions, " + grammar.lexemes.length + " terminals, "
                + lexer.combinedStateCount() + " combined lexer states";
    }

    @Override
    public String toString() {
        return "CompiledGrammar[" + description + "]";
    }

    /** The terminal of a special token, or -1. */
    int terminalOfSpecialToken(int tokenId) {
        for (int i = 0; i < specialTokens.length; i++) if (specialTokens[i] == tokenId) return specialTerminals[i];
        return -1;
    }
}
