package io.qwen4j.sampling;

import java.util.Map;

/**
 * How one sequence picks its tokens, as the OpenAI / OpenRouter / vLLM parameters say it.
 *
 * @param temperature       0 = greedy (argmax after penalties, bias and mask)
 * @param topK              0 = off
 * @param topP              1 = off
 * @param minP              0 = off
 * @param topA              0 = off
 * @param repetitionPenalty 1 = off; over prompt and output
 * @param frequencyPenalty  0 = off; over output
 * @param presencePenalty   0 = off; over output
 * @param logitBias         token id → bias added to the logit (empty = none)
 * @param seed              seed of the sampler's random generator
 */
public record SamplingParams(float temperature, int topK, double topP, double minP, double topA,
                             float repetitionPenalty, float frequencyPenalty, float presencePenalty,
                             Map<Integer, Float> logitBias, long seed) {

    public SamplingParams {
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1, 0, 0, 1f, 0f, 0f, Map.of(), 0);
    }

    public boolean isGreedy() {
        return temperature <= 0 || topK == 1;
    }

    public SamplingParams withSeed(long newSeed) {
        return new SamplingParams(temperature, topK, topP, minP, topA, repetitionPenalty, frequencyPenalty,
                presencePenalty, logitBias, newSeed);
    }
}
