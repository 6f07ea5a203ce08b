package io.qwen4j.sampling;

import java.util.BitSet;

/** Removes every token a {@link TokenMask} does not allow. */
public final class TokenMaskFilter implements LogitsProcessor {
    private final TokenMask mask;
    private final BitSet allowed = new BitSet();

    public TokenMaskFilter(TokenMask mask) {
        this.mask = mask;
    }

    @Override
    public void process(float[] logits, TokenHistory history) {
        allowed.clear();
        mask.allowed(allowed);
        for (int id = allowed.nextClearBit(0); id < logits.length; id = allowed.nextClearBit(id + 1)) {
            logits[id] = Float.NEGATIVE_INFINITY;
        }
    }
}
