package io.qwen4j.sampling;

/**
 * OpenAI's penalties over the generated tokens only: {@code logit -= count · frequency + presence} for
 * every token that occurs {@code count > 0} times in the output.
 */
public record FrequencyPresencePenalty(float frequency, float presence) implements LogitsProcessor {

    @Override
    public void process(float[] logits, TokenHistory history) {
        for (var e : history.outputCounts().entrySet()) {
            int id = e.getKey();
            if (id < logits.length) logits[id] -= e.getValue()[0] * frequency + presence;
        }
    }
}
