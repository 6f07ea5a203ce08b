package io.qwen4j.local;

import io.qwen4j.sampling.TokenMask;

import java.util.BitSet;

/**
 * A structured-output constraint for a thinking model: the reasoning is free text, and the constraint applies
 * from the token after the closing reasoning tag, as vLLM applies a schema only to the answer. Until then any
 * token may come, and the output is not complete.
 */
final class ConstraintAfterReasoning implements TokenMask {
    private final TokenMask answer;
    private final int reasoningEnd, vocab;
    private boolean reasoning = true;

    /** @param reasoningEnd the closing tag's token id; {@code vocab} the number of tokens a step may pick from */
    ConstraintAfterReasoning(TokenMask answer, int reasoningEnd, int vocab) {
        this.answer = answer;
        this.reasoningEnd = reasoningEnd;
        this.vocab = vocab;
    }

    @Override
    public void allowed(BitSet allowed) {
        if (reasoning) allowed.set(0, vocab);
        else answer.allowed(allowed);
    }

    @Override
    public void accept(int token) {
        if (!reasoning) answer.accept(token);
        else if (token == reasoningEnd) reasoning = false;
    }

    @Override
    public boolean isComplete() {
        return !reasoning && answer.isComplete();
    }
}
