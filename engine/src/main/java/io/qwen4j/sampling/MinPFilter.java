package io.qwen4j.sampling;

/** Keeps the tokens whose probability is at least {@code minP} times the top token's. 0 is off. */
public record MinPFilter(double minP) implements LogitsProcessor {

    public MinPFilter {
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min_p must be in [0, 1]: " + minP);
    }

    @Override
    public void process(float[] logits, TokenHistory history) {
        if (minP <= 0) return;
        double[] prob = Softmax.of(logits);
        double threshold = minP * Softmax.max(prob);
        for (int i = 0; i < logits.length; i++) if (prob[i] < threshold) logits[i] = Float.NEGATIVE_INFINITY;
    }
}
