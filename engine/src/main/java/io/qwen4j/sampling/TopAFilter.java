package io.qwen4j.sampling;

/** Top-a: keeps the tokens whose probability is at least {@code a · p_max²}. 0 is off. */
public record TopAFilter(double a) implements LogitsProcessor {

    public TopAFilter {
        if (!(a >= 0 && a <= 1)) throw new IllegalArgumentException("top_a must be in [0, 1]: " + a);
    }

    @Override
    public void process(float[] logits, TokenHistory history) {
        if (a <= 0) return;
        double[] prob = Softmax.of(logits);
        double max = Softmax.max(prob);
        double threshold = a * max * max;
        for (int i = 0; i < logits.length; i++) if (prob[i] < threshold) logits[i] = Float.NEGATIVE_INFINITY;
    }
}
