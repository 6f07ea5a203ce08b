package io.qwen4j.sampling;

/** Divides the logits by {@code t > 0} (t = 0, greedy, never reaches the chain: see {@link SamplingChain}). */
public record Temperature(float t) implements LogitsProcessor {

    public Temperature {
        if (!(t > 0)) throw new IllegalArgumentException("temperature must be > 0: " + t);
    }

    @Override
    public void process(float[] logits, TokenHistory history) {
        if (t == 1f) return;
        for (int i = 0; i < logits.length; i++) logits[i] /= t;
    }
}
