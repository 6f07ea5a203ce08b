package io.qwen4j.engine;

import io.qwen4j.grammar.TokenConstraint;
import io.qwen4j.sampling.TokenMask;

import java.util.BitSet;

/**
 * A structured-output {@link TokenConstraint} (JSON schema, JSON object, tool calls) as the sampling chain's
 * {@link TokenMask}: one per sequence. End-of-generation is in the mask only when the constraint can end, and
 * the scheduler ends the sequence once {@link #isComplete()}.
 */
public final class ConstraintMask implements TokenMask {
    private final TokenConstraint constraint;
    private final long[] words;

    public ConstraintMask(TokenConstraint constraint) {
        this.constraint = constraint;
        this.words = new long[constraint.maskWords()];
    }

    @Override
    public void allowed(BitSet allowed) {
        constraint.allowedTokens(words);
        allowed.or(BitSet.valueOf(words));
    }

    @Override
    public void accept(int token) {
        if (!constraint.accept(token)) {
            // Only possible when every token was masked out (nothing left to sample): a grammar bug, never silent.
            throw new IllegalStateException("token " + token + " is not allowed by the output constraint");
        }
    }

    @Override
    public boolean isComplete() {
        return constraint.isComplete();
    }
}
