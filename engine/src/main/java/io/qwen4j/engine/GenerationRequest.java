package io.qwen4j.engine;

import io.qwen4j.model.ImagePromptLayout;
import io.qwen4j.sampling.SamplingParams;
import io.qwen4j.sampling.TokenMask;

import java.util.List;
import java.util.Set;

/**
 * One sequence to generate: a prompt of token ids and how to continue it. Nothing here knows HTTP or JSON.
 *
 * @param prompt            the prompt's token ids (with images: every {@code <|image_pad|>} row, as {@code layout.tokens()})
 * @param sampling          how each token is picked
 * @param maxTokens         at most this many generated tokens (finish reason {@code length})
 * @param minTokens         end-of-generation tokens, stop token ids and stop strings are not honoured before this many
 * @param stop              strings that end generation; never part of the output, held back while a partial match is possible
 * @param stopTokenIds      token ids that end generation (in addition to the model's end-of-generation tokens)
 * @param ignoreEos         keep going past end-of-generation tokens (vLLM's {@code ignore_eos})
 * @param logprobs          -1: no log-probabilities; otherwise the chosen token's and this many alternatives
 * @param skipSpecialTokens control tokens ({@code <|im_end|>} …) give no text
 * @param constraint        allowed-token mask (grammar, JSON schema) or null
 * @param layout            a prompt with images: its rows' embeddings, deepstack vectors and (t, h, w) positions, which
 *                          the scheduler prefills in chunks of any size; generated token k then sits at
 *                          {@code layout.nextPosition() + k} (HF's rope delta). Null for a text prompt (positions 0, 1, …)
 */
public record GenerationRequest(int[] prompt, SamplingParams sampling, int maxTokens, int minTokens, List<String> stop,
                                Set<Integer> stopTokenIds, boolean ignoreEos, int logprobs, boolean skipSpecialTokens,
                                TokenMask constraint, ImagePromptLayout layout) {

    public GenerationRequest {
        if (prompt == null || prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        if (maxTokens < 1) throw new IllegalArgumentException("maxTokens must be >= 1: " + maxTokens);
        if (layout != null && (layout.size() != prompt.length || layout.firstPosition() != 0)) {
            throw new IllegalArgumentException("the image layout (" + layout.size() + " rows from position " + layout.firstPosition()
                    + ") is not this prompt of " + prompt.length + " tokens");
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        stopTokenIds = stopTokenIds == null ? Set.of() : Set.copyOf(stopTokenIds);
    }

    /** A text prompt. */
    public GenerationRequest(int[] prompt, SamplingParams sampling, int maxTokens, int minTokens, List<String> stop,
                             Set<Integer> stopTokenIds, boolean ignoreEos, int logprobs, boolean skipSpecialTokens, TokenMask constraint) {
        this(prompt, sampling, maxTokens, minTokens, stop, stopTokenIds, ignoreEos, logprobs, skipSpecialTokens, constraint, null);
    }

    /** The same generation over an image prompt ({@code layout.tokens()} become the prompt). */
    public GenerationRequest withLayout(ImagePromptLayout l) {
        return new GenerationRequest(l.tokens(), sampling, maxTokens, minTokens, stop, stopTokenIds, ignoreEos, logprobs, skipSpecialTokens, constraint, l);
    }

    /** Position of the first generated token on all three M-RoPE axes. */
    public int firstGeneratedPosition() {
        return layout != null ? layout.nextPosition() : prompt.length;
    }

    /** Greedy, no stop strings, no logprobs: the plain case (tests, benchmarks). */
    public static GenerationRequest greedy(int[] prompt, int maxTokens) {
        return new GenerationRequest(prompt, SamplingParams.greedy(), maxTokens, 0, List.of(), Set.of(), false, -1, true, null);
    }

    public GenerationRequest withLogprobs(int top) {
        return new GenerationRequest(prompt, sampling, maxTokens, minTokens, stop, stopTokenIds, ignoreEos, top, skipSpecialTokens, constraint, layout);
    }

    public GenerationRequest withStop(List<String> stopStrings) {
        return new GenerationRequest(prompt, sampling, maxTokens, minTokens, stopStrings, stopTokenIds, ignoreEos, logprobs, skipSpecialTokens, constraint, layout);
    }

    public GenerationRequest withIgnoreEos(boolean ignore) {
        return new GenerationRequest(prompt, sampling, maxTokens, minTokens, stop, stopTokenIds, ignore, logprobs, skipSpecialTokens, constraint, layout);
    }

    public GenerationRequest withSampling(SamplingParams params) {
        return new GenerationRequest(prompt, params, maxTokens, minTokens, stop, stopTokenIds, ignoreEos, logprobs, skipSpecialTokens, constraint, layout);
    }
}
