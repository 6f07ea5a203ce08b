package io.qwen4j.sampling;

import io.qwen4j.kv.KvSequence;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.ModelStep;
import io.qwen4j.model.SequenceChunk;

import java.util.ArrayList;
import java.util.List;

/**
 * The plain generation loop for one sequence: prefill the prompt, then sample one token at a time,
 * reporting each token's log-probability and the top-k of the distribution it was drawn from.
 */
public final class Generator {

    /** One generated token: its id, its log-probability, and the top-k it was chosen from. */
    public record Step(int token, float logprob, Logprobs.TopK top) {
    }

    private final ModelStep model;
    private final PagedKvCache cache;
    private final int vocab;

    public Generator(ModelStep model, PagedKvCache cache, int vocab) {
        this.model = model;
        this.cache = cache;
        this.vocab = vocab;
    }

    /**
     * Runs {@code prompt} (its chunk must ask for the last row's logits) and then {@code maxTokens}
     * tokens; generated token i gets position {@code nextPosition + i} on all axes. Stops early after a
     * token in {@code stopTokens}.
     */
    public List<Step> generate(SequenceChunk prompt, int nextPosition, int maxTokens, Sampler sampler, int topK, int... stopTokens) {
        List<Step> steps = new ArrayList<>();
        KvSequence seq = prompt.sequence();
        float[] logits = model.step(cache, List.of(prompt.logits(SequenceChunk.Logits.LAST))).logits(0);
        for (int i = 0; i < maxTokens; i++) {
            int token = sampler.sample(logits, 0, vocab);
            float lp = (float) (logits[token] - Logprobs.logSumExp(logits, 0, vocab));
            steps.add(new Step(token, lp, Logprobs.topK(logits, 0, vocab, topK)));
            for (int s : stopTokens) if (s == token) return steps;
            if (i + 1 == maxTokens) break;
            logits = model.step(cache, List.of(SequenceChunk.text(seq, new int[] {token}, nextPosition + i))).logits(0);
        }
        return steps;
    }
}
