package io.qwen4j.grammar;

import io.qwen4j.tokenizer.TokenType;
import io.qwen4j.tokenizer.Vocabulary;

import java.util.Arrays;

/**
 * Unconstrained text until a trigger token; then (if a grammar is given) the grammar, starting with the
 * trigger token — this is tool_choice "auto" (trigger {@code <tool_call>}). Without a grammar the trigger
 * token is simply never allowed (tool_choice "none").
 */
final class FreeTextConstraint implements TokenConstraint {
    private final Vocabulary vocabulary;
    private final int trigger;
    private final CompiledGrammar grammar;
    private final long[] freeMask;
    private TokenConstraint inner;
    private boolean finished;

    FreeTextConstraint(Vocabulary vocabulary, int trigger, CompiledGrammar grammar) {
        this.vocabulary = vocabulary;
        this.trigger = trigger;
        this.grammar = grammar;
        this.freeMask = new long[(vocabulary.size() + 63) >>> 6];
        for (int id = 0; id < vocabulary.size(); id++) {
            if (vocabulary.type(id) == TokenType.UNUSED) continue;
            if (id == trigger && grammar == null) continue;
            freeMask[id >>> 6] |= 1L << id;
        }
    }

    private FreeTextConstraint(FreeTextConstraint o) {
        this.vocabulary = o.vocabulary;
        this.trigger = o.trigger;
        this.grammar = o.grammar;
        this.freeMask = o.freeMask;
        this.inner = o.inner == null ? null : o.inner.copy();
        this.finished = o.finished;
    }

    @Override
    public void allowedTokens(long[] bitmask) {
        if (inner != null) {
            inner.allowedTokens(bitmask);
            return;
        }
        Arrays.fill(bitmask, 0L);
        if (!finished) System.arraycopy(freeMask, 0, bitmask, 0, freeMask.length);
    }

    @Override
    public boolean accept(int tokenId) {
        if (inner != null) return inner.accept(tokenId);
        if (finished || tokenId < 0 || tokenId >= vocabulary.size()) return false;
        if ((freeMask[tokenId >>> 6] & (1L << tokenId)) == 0) return false;
        if (tokenId == trigger && grammar != null) {
            TokenConstraint c = grammar.newConstraint();
            if (!c.accept(tokenId)) return false;
            inner = c;
            return true;
        }
        if (vocabulary.isEndOfGeneration(tokenId)) finished = true;
        return true;
    }

    @Override
    public boolean canEnd() {
        return inner != null ? inner.canEnd() : !finished;
    }

    @Override
    public boolean isComplete() {
        return inner != null ? inner.isComplete() : finished;
    }

    @Override
    public int maskWords() {
        return freeMask.length;
    }

    @Override
    public TokenConstraint copy() {
        return new FreeTextConstraint(this);
    }

    /** Whether the trigger has been seen (the output is in tool-call mode). */
    boolean triggered() {
        return inner != null;
    }
}
