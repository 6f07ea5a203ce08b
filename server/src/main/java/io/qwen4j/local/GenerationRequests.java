package io.qwen4j.local;

import io.qwen4j.api.GenerationOptions;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.sampling.SamplingParams;
import io.qwen4j.sampling.TokenMask;

import java.util.HashSet;

/** The engine's {@link GenerationRequest} for one choice, from a request's options: the API's defaults applied. */
final class GenerationRequests {
    private GenerationRequests() {
    }

    /**
     * @param logprobs -1: none; else alternatives per token
     * @param mask     the structured-output or tool-call constraint, or null
     */
    static GenerationRequest of(int[] prompt, GenerationOptions o, int maxTokens, int logprobs, long seed, TokenMask mask) {
        SamplingParams sampling = new SamplingParams(
                o.temperature() == null ? 1f : o.temperature().floatValue(),
                o.topK() == null ? 0 : o.topK(),
                o.topP() == null ? 1 : o.topP(),
                o.minP() == null ? 0 : o.minP(),
                o.topA() == null ? 0 : o.topA(),
                o.repetitionPenalty() == null ? 1f : o.repetitionPenalty().floatValue(),
                o.frequencyPenalty() == null ? 0f : o.frequencyPenalty().floatValue(),
                o.presencePenalty() == null ? 0f : o.presencePenalty().floatValue(),
                o.logitBias(), seed);
        // A constrained output ends when its grammar says so: min_tokens does not apply.
        int minTokens = o.minTokens() == null || mask != null ? 0 : Math.min(o.minTokens(), maxTokens);
        return GenerationRequest.builder(prompt, maxTokens).sampling(sampling).minTokens(minTokens).stop(o.stop())
                .stopTokenIds(new HashSet<>(o.stopTokenIds())).ignoreEos(o.ignoreEos()).logprobs(logprobs)
                .skipSpecialTokens(o.skipSpecialTokens()).constraint(mask).build();
    }
}
