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
    /** Context-free parts of masks of combined lexer states; bounded. */
    private final java.util.concurrent.ConcurrentHashMap<Long, ContextFreeMask> maskByState = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong cachedBytes = new java.util.concurrent.atomic.AtomicLong();
    static final long MAX_CACHED_MASK_BYTES = 16L << 20;

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
        // The first mask is part of the compile (and of its deadline): a grammar whose first step takes
        // longer than the budget is refused here, not discovered by the first request.
        newConstraint().allowedTokens(new long[maskWords()]);
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

    /**
     * The lexer-only part of the mask at lexer state {@code lex}, cached: single-lexeme states in the
     * vocabulary's process-wide cache (lexemes are shared across grammars), combined states per grammar.
     */
    ContextFreeMask contextFreeMask(long lex) {
        if (lex >= 0) {
            ByteLexeme lexeme = lexer.singleLexeme(lex);
            long state = Lexer.singleState(lex);
            long slice = lexeme instanceof EncodedLexeme e ? e.sliceKey(state) : -1;
            TokenVocabulary.LexemeState key = new TokenVocabulary.LexemeState(lexeme, slice >= 0 ? slice : state, slice >= 0);
            ContextFreeMask m = vocabulary.sharedMasks.get(key);
            if (m == null) {
                m = ContextFreeMask.compute(lexer, vocabulary, lex);
                if (vocabulary.sharedMaskBytes.addAndGet(m.bytes()) > TokenVocabulary.MAX_SHARED_MASK_BYTES) {
                    vocabulary.sharedMasks.clear(); // crude bound; hot states come back quickly
                    vocabulary.sharedMaskBytes.set(m.bytes());
                }
                vocabulary.sharedMasks.put(key, m);
            }
            return m;
        }
        ContextFreeMask m = maskByState.get(lex);
        if (m != null) return m;
        m = ContextFreeMask.compute(lexer, vocabulary, lex);
        if (cachedBytes.addAndGet(m.bytes()) > MAX_CACHED_MASK_BYTES) {
            maskByState.clear();
            cachedBytes.set(m.bytes());
        }
        maskByState.put(lex, m);
        return m;
    }

    /** The terminal of a special token, or -1. */
    int terminalOfSpecialToken(int tokenId) {
        for (int i = 0; i < specialTokens.length; i++) if (specialTokens[i] == tokenId) return specialTerminals[i];
        return -1;
    }
}
