package io.qwen4j.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The processors of one sequence, in order, then the sampler:
 * <ol>
 *   <li>repetition penalty (prompt + output), frequency / presence penalties (output), logit bias — on the
 *       raw logits, as vLLM and llama.cpp apply them;</li>
 *   <li>the token mask (grammar / JSON schema) when there is one;</li>
 *   <li>greedy stops here: argmax (temperature 0 or top_k 1);</li>
 *   <li>temperature, then the truncations top_k, top_p, min_p, top_a on the tempered distribution (vLLM's
 *       order: temperature first), then a draw from what is left with a seeded generator.</li>
 * </ol>
 * Same logits, same history and same seed give the same token: the generator is the only randomness.
 */
public final class SamplingChain {
    private final List<LogitsProcessor> shaping = new ArrayList<>();
    private final List<LogitsProcessor> truncation = new ArrayList<>();
    private final boolean greedy;
    private final SplittableRandom random;

    public SamplingChain(SamplingParams p, TokenMask mask) {
        if (p.repetitionPenalty() != 1f) shaping.add(new RepetitionPenalty(p.repetitionPenalty()));
        if (p.frequencyPenalty() != 0f || p.presencePenalty() != 0f) {
            shaping.add(new FrequencyPresencePenalty(p.frequencyPenalty(), p.presencePenalty()));
        }
        if (!p.logitBias().isEmpty()) shaping.add(new LogitBias(p.logitBias()));
        if (mask != null) shaping.add(new TokenMaskFilter(mask));
        greedy = p.isGreedy();
        if (!greedy) {
            truncation.add(new Temperature(p.temperature()));
            if (p.topK() > 1) truncation.add(new TopKFilter(p.topK()));
            if (p.topP() < 1) truncation.add(new TopPFilter(p.topP()));
            if (p.minP() > 0) truncation.add(new MinPFilter(p.minP()));
            if (p.topA() > 0) truncation.add(new TopAFilter(p.topA()));
        }
        random = new SplittableRandom(p.seed());
    }

    /** Picks the next token; {@code logits} (one row, vocabulary-sized) is overwritten. */
    public int next(float[] logits, TokenHistory history) {
        for (LogitsProcessor lp : shaping) lp.process(logits, history);
        if (greedy) return Logprobs.argmax(logits, 0, logits.length);
        for (LogitsProcessor lp : truncation) lp.process(logits, history);
        return draw(logits, random.nextDouble());
    }

    /** The token at cumulative probability {@code u ∈ [0, 1)} of softmax(logits), in id order. */
    static int draw(float[] logits, double u) {
        double[] p = Softmax.of(logits);
        double acc = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == 0) continue;
            acc += p[i];
            last = i;
            if (u < acc) return i;
        }
        return last >= 0 ? last : Logprobs.argmax(logits, 0, logits.length);
    }
}
