package io.qwen4j.sampling;

/**
 * Hugging Face's / llama.cpp's repetition penalty over every token of prompt and output (CTRL paper): a
 * positive logit is divided by {@code penalty}, a negative one multiplied, so {@code penalty > 1} always
 * makes a seen token less likely. 1 is off.
 */
public record RepetitionPenalty(float penalty) implements LogitsProcessor {

    public RepetitionPenalty {
        if (!(penalty > 0)) throw new IllegalArgumentException("repetition penalty must be > 0: " + penalty);
    }

    @Override
    public void process(float[] logits, TokenHistory history) {
        var seen = history.seen();
        for (int id = seen.nextSetBit(0); id >= 0 && id < logits.length; id = seen.nextSetBit(id + 1)) {
            float l = logits[id];
            logits[id] = l > 0 ? l / penalty : l * penalty;
        }
    }
}
