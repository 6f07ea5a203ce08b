package io.qwen4j.sampling;

import java.util.Map;

/**
 * OpenAI's {@code logit_bias}: a value added to a token's logit. ±100 effectively bans or forces a token,
 * as OpenAI documents (added before temperature, like vLLM).
 */
public final class LogitBias implements LogitsProcessor {
    private final int[] ids;
    private final float[] biases;

    public LogitBias(Map<Integer, Float> bias) {
        ids = new int[bias.size()];
        biases = new float[bias.size()];
        int i = 0;
        for (var e : bias.entrySet()) {
            ids[i] = e.getKey();
            biases[i++] = e.getValue();
        }
    }

    @Override
    public void process(float[] logits, TokenHistory history) {
        for (int i = 0; i < ids.length; i++) if (ids[i] < logits.length) logits[ids[i]] += biases[i];
    }
}
