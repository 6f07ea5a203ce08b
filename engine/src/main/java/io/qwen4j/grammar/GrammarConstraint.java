package io.qwen4j.grammar;

import io.qwen4j.tokenizer.TokenType;
import io.qwen4j.tokenizer.Vocabulary;

import java.util.Arrays;

/**
 * The {@link TokenConstraint} of a {@link CompiledGrammar}: an Earley chart over lexemes plus the lexer
 * state inside the current lexeme. The mask is computed by walking the vocabulary's token trie: inside a
 * lexeme a byte costs one automaton step; only where a lexeme ends does the parser run (memoized per row
 * and accepted-lexeme set). Inside unconstrained JSON strings the "plain" tokens are added from a
 * precomputed mask and only the remaining tokens are walked.
 */
final class GrammarConstraint implements TokenConstraint {
    private final CompiledGrammar g;
    private final Lexer lexer;
    private final EarleyParser parser;
    private final TokenVocabulary vocab;
    private EarleyRow[] chart;
    private int rows;
    private long lex;
    private boolean atLexemeStart;
    private boolean finished;
    private long[] lexStack = new long[0];
    private EarleyRow[] rowStack = new EarleyRow[0];

    GrammarConstraint(CompiledGrammar g) {
        this.g = g;
        this.lexer = g.lexer;
        this.parser = g.parser;
        this.vocab = g.vocabulary;
        this.chart = new EarleyRow[64];
        chart[0] = g.initialRow;
        rows = 1;
        lex = g.initialRow.lexerStart;
        atLexemeStart = true;
    }

    private GrammarConstraint(GrammarConstraint o) {
        this.g = o.g;
        this.lexer = o.lexer;
        this.parser = o.parser;
        this.vocab = o.vocab;
        this.chart = Arrays.copyOf(o.chart, o.chart.length);
        this.rows = o.rows;
        this.lex = o.lex;
        this.atLexemeStart = o.atLexemeStart;
        this.finished = o.finished;
    }

    @Override
    public TokenConstraint copy() {
        return new GrammarConstraint(this);
    }

    @Override
    public int maskWords() {
        return vocab.maskWords;
    }

    private EarleyRow top() {
        return chart[rows - 1];
    }

    private void push(EarleyRow row) {
        ensureChart(row.index);
        chart[row.index] = row;
        rows = row.index + 1;
    }

    private void ensureChart(int index) {
        if (index >= chart.length) chart = Arrays.copyOf(chart, Math.max(chart.length * 2, index + 1));
    }

    /** The row after completing the current lexeme (if it can complete here), or null. */
    private EarleyRow afterCurrentLexeme() {
        long key = lexer.acceptKey(lex);
        if (key < 0) return null;
        EarleyRow next = parser.advance(chart, top(), key);
        if (next != null) {
            ensureChart(next.index);
            chart[next.index] = next;
        }
        return next;
    }

    @Override
    public void allowedTokens(long[] bitmask) {
        if (bitmask.length < vocab.maskWords) throw new IllegalArgumentException("mask has " + bitmask.length + " words, needs " + vocab.maskWords);
        Arrays.fill(bitmask, 0L);
        if (finished) return;
        EarleyRow row = top();
        ContextFreeMask cf = g.contextFreeMask(lex);
        cf.orInto(bitmask);
        walkBoundaries(cf, row, bitmask);
        EarleyRow boundary = atLexemeStart ? row : null;
        EarleyRow after = afterCurrentLexeme();
        for (int i = 0; i < g.specialTerminals.length; i++) {
            int t = g.specialTerminals[i];
            if ((boundary != null && boundary.expects(t)) || (after != null && after.expects(t))) {
                int id = g.specialTokens[i];
                bitmask[id >>> 6] |= 1L << id;
            }
        }
        if ((boundary != null && boundary.accepting) || (after != null && after.accepting)) {
            for (int id : vocab.endOfGeneration) bitmask[id >>> 6] |= 1L << id;
        }
    }

    /**
     * For each node where the current lexeme ends, advances the parser (memoized) and walks that node's
     * subtree with the lexer and parser together.
     */
    private void walkBoundaries(ContextFreeMask cf, EarleyRow row, long[] mask) {
        TokenTrie trie = cf.trie;
        if (lexStack.length <= trie.maxDepth) {
            lexStack = new long[trie.maxDepth + 1];
            rowStack = new EarleyRow[trie.maxDepth + 1];
        }
        final byte[] bytes = trie.bytes;
        final short[] depth = trie.depth;
        final int[] end = trie.subtreeEnd;
        final int[] tok = trie.token;
        final int[] same = trie.sameBytesNext;
        final long[] ls = lexStack;
        final EarleyRow[] rs = rowStack;
        final Lexer lx = lexer;
        EarleyRow memoFrom = null, memoTo = null;
        long memoKey = 0;
        for (int k = 0; k < cf.boundaryNodes.length; k++) {
            int first = cf.boundaryNodes[k];
            long firstKey = cf.boundaryKeys[k];
            if (firstKey == ContextFreeMask.OWN_LEXEME) firstKey = lex >>> 40; // the current lexeme's terminal
            int stop = end[first];
            for (int i = first; i < stop; ) {
                int d = depth[i];
                int b = bytes[i] & 0xFF;
                long nl;
                EarleyRow nr;
                long key;
                if (i == first) {
                    nl = Lexer.DEAD;
                    nr = row;
                    key = firstKey;
                } else {
                    nr = rs[d - 1];
                    long pl = ls[d - 1];
                    nl = lx.step(pl, b);
                    key = nl == Lexer.DEAD ? lx.acceptKey(pl) : 0;
                }
                if (nl == Lexer.DEAD) {
                    // The lexeme ends before this byte: advance the parser, start the next lexeme with it.
                    if (key < 0) {
                        i = end[i];
                        continue;
                    }
                    EarleyRow from = nr;
                    if (from == memoFrom && key == memoKey) nr = memoTo;
                    else {
                        nr = parser.advance(chart, from, key);
                        memoFrom = from;
                        memoKey = key;
                        memoTo = nr;
                    }
                    if (nr == null) {
                        i = end[i];
                        continue;
                    }
                    ensureChart(nr.index);
                    chart[nr.index] = nr;
                    nl = lx.step(nr.lexerStart, b);
                    if (nl == Lexer.DEAD) {
                        i = end[i];
                        continue;
                    }
                }
                ls[d] = nl;
                rs[d] = nr;
                for (int t = tok[i]; t >= 0; t = same[t]) mask[t >>> 6] |= 1L << t;
                i++;
            }
        }
    }

    @Override
    public boolean accept(int tokenId) {
        if (finished) return false;
        Vocabulary v = vocab.vocabulary();
        if (tokenId < 0 || tokenId >= vocab.size) return false;
        if (v.isEndOfGeneration(tokenId)) {
            if (!canEnd()) return false;
            finished = true;
            return true;
        }
        int savedRows = rows;
        long savedLex = lex;
        boolean savedStart = atLexemeStart;
        int term = g.terminalOfSpecialToken(tokenId);
        if (term >= 0) {
            EarleyRow base = null;
            if (atLexemeStart && top().expects(term)) base = top();
            else {
                EarleyRow after = afterCurrentLexeme();
                if (after != null && after.expects(term)) {
                    push(after);
                    base = after;
                }
            }
            EarleyRow next = base == null ? null : parser.advance(chart, base, term);
            if (next == null) return restore(savedRows, savedLex, savedStart);
            push(next);
            lex = next.lexerStart;
            atLexemeStart = true;
            return true;
        }
        TokenType type = v.type(tokenId);
        if (type != TokenType.NORMAL && type != TokenType.BYTE) return false;
        byte[] bytes = v.bytes(tokenId);
        if (bytes.length == 0) return false;
        for (byte value : bytes) {
            int b = value & 0xFF;
            long nl = lexer.step(lex, b);
            if (nl == Lexer.DEAD) {
                EarleyRow after = afterCurrentLexeme();
                if (after == null) return restore(savedRows, savedLex, savedStart);
                push(after);
                nl = lexer.step(after.lexerStart, b);
                if (nl == Lexer.DEAD) return restore(savedRows, savedLex, savedStart);
            }
            lex = nl;
            atLexemeStart = false;
        }
        return true;
    }

    private boolean restore(int savedRows, long savedLex, boolean savedStart) {
        rows = savedRows;
        lex = savedLex;
        atLexemeStart = savedStart;
        return false;
    }

    @Override
    public boolean canEnd() {
        if (finished) return false;
        if (atLexemeStart && top().accepting) return true;
        EarleyRow after = afterCurrentLexeme();
        return after != null && after.accepting;
    }

    @Override
    public boolean isComplete() {
        if (finished) return true;
        if (!canEnd()) return false;
        if (atLexemeStart && top().terminals.length > 0) return false;
        for (int b = 0; b < 256; b++) if (lexer.step(lex, b) != Lexer.DEAD) return false;
        EarleyRow after = afterCurrentLexeme();
        return after == null || after.terminals.length == 0;
    }

    /** The current lexer state, for diagnostics. */
    String debugLexer() {
        ByteLexeme l = lexer.singleLexeme(lex);
        return l == null ? "combined(" + lex + ")" : l.key() + "@" + Lexer.singleState(lex);
    }

    /** Number of lexemes read so far (for tests and diagnostics). */
    int lexemeCount() {
        return rows - 1;
    }
}
