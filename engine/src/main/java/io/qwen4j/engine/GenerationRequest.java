package io.qwen4j.engine;

import io.qwen4j.model.ImagePromptLayout;
import io.qwen4j.sampling.SamplingParams;
import io.qwen4j.sampling.TokenMask;

import java.util.List;
import java.util.Set;

/**
 * One sequence to generate: a prompt of token ids and how to continue it. Nothing here knows HTTP or JSON.
 * Built with {@link #builder}; what is not set is the plain case (greedy, no stops, no logprobs).
 */
public final class GenerationRequest {
    private final int[] prompt;
    private final SamplingParams sampling;
    private final int maxTokens;
    private final int minTokens;
    private final List<String> stop;
    private final Set<Integer> stopTokenIds;
    private final boolean ignoreEos;
    private final int logprobs;
    private final boolean skipSpecialTokens;
    private final TokenMask constraint;
    private final ImagePromptLayout layout;

    private GenerationRequest(Builder b) {
        if (b.prompt == null || b.prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        if (b.maxTokens < 1) throw new IllegalArgumentException("maxTokens must be >= 1: " + b.maxTokens);
        if (b.layout != null && (b.layout.size() != b.prompt.length || b.layout.firstPosition() != 0)) {
            throw new IllegalArgumentException("the image layout (" + b.layout.size() + " rows from position " + b.layout.firstPosition()
                    + ") is not this prompt of " + b.prompt.length + " tokens");
        }
        this.prompt = b.prompt;
        this.sampling = b.sampling;
        this.maxTokens = b.maxTokens;
        this.minTokens = b.minTokens;
        this.stop = b.stop == null ? List.of() : List.copyOf(b.stop);
        this.stopTokenIds = b.stopTokenIds == null ? Set.of() : Set.copyOf(b.stopTokenIds);
        this.ignoreEos = b.ignoreEos;
        this.logprobs = b.logprobs;
        this.skipSpecialTokens = b.skipSpecialTokens;
        this.constraint = b.constraint;
        this.layout = b.layout;
    }

    /** A request for at most {@code maxTokens} tokens after {@code prompt}. */
    public static Builder builder(int[] prompt, int maxTokens) {
        return new Builder(prompt, maxTokens);
    }

    /** Greedy, no stop strings, no logprobs: the plain case (tests, benchmarks). */
    public static GenerationRequest greedy(int[] prompt, int maxTokens) {
        return builder(prompt, maxTokens).build();
    }

    /** A builder holding this request's settings. */
    public Builder toBuilder() {
        return new Builder(prompt, maxTokens).sampling(sampling).minTokens(minTokens).stop(stop).stopTokenIds(stopTokenIds)
                .ignoreEos(ignoreEos).logprobs(logprobs).skipSpecialTokens(skipSpecialTokens).constraint(constraint).layout(layout);
    }

    /** The same generation over an image prompt ({@code layout.tokens()} become the prompt). */
    public GenerationRequest withLayout(ImagePromptLayout l) {
        return toBuilder().prompt(l.tokens()).layout(l).build();
    }

    /** Position of the first generated token on all three M-RoPE axes. */
    public int firstGeneratedPosition() {
        return layout != null ? layout.nextPosition() : prompt.length;
    }

    /** The prompt's token ids (with images: every {@code <|image_pad|>} row, as {@code layout.tokens()}). */
    public int[] prompt() {
        return prompt;
    }

    /** How each token is picked. */
    public SamplingParams sampling() {
        return sampling;
    }

    /** At most this many generated tokens (then {@link FinishReason.MaxTokens}). */
    public int maxTokens() {
        return maxTokens;
    }

    /** End-of-generation tokens, stop token ids and stop strings are not honoured before this many. */
    public int minTokens() {
        return minTokens;
    }

    /** Strings that end generation; never part of the output, held back while a partial match is possible. */
    public List<String> stop() {
        return stop;
    }

    /** Token ids that end generation (in addition to the model's end-of-generation tokens). */
    public Set<Integer> stopTokenIds() {
        return stopTokenIds;
    }

    /** Keep going past end-of-generation tokens (vLLM's {@code ignore_eos}). */
    public boolean ignoreEos() {
        return ignoreEos;
    }

    /** -1: no log-probabilities; otherwise the chosen token's and this many alternatives. */
    public int logprobs() {
        return logprobs;
    }

    /** Control tokens ({@code <|im_end|>} …) give no text. */
    public boolean skipSpecialTokens() {
        return skipSpecialTokens;
    }

    /** Allowed-token mask (grammar, JSON schema) or null. */
    public TokenMask constraint() {
        return constraint;
    }

    /**
     * A prompt with images: its rows' embeddings, deepstack vectors and (t, h, w) positions, which the scheduler
     * prefills in chunks of any size; generated token k then sits at {@code layout.nextPosition() + k} (HF's rope
     * delta). Null for a text prompt (positions 0, 1, …).
     */
    public ImagePromptLayout layout() {
        return layout;
    }

    /** Settings of a {@link GenerationRequest}; each defaults to the plain case. */
    public static final class Builder {
        private int[] prompt;
        private final int maxTokens;
        private SamplingParams sampling = SamplingParams.greedy();
        private int minTokens;
        private List<String> stop = List.of();
        private Set<Integer> stopTokenIds = Set.of();
        private boolean ignoreEos;
        private int logprobs = -1;
        private boolean skipSpecialTokens = true;
        private TokenMask constraint;
        private ImagePromptLayout layout;

        private Builder(int[] prompt, int maxTokens) {
            this.prompt = prompt;
            this.maxTokens = maxTokens;
        }

        public Builder prompt(int[] ids) {
            this.prompt = ids;
            return this;
        }

        public Builder sampling(SamplingParams params) {
            this.sampling = params;
            return this;
        }

        public Builder minTokens(int n) {
            this.minTokens = n;
            return this;
        }

        public Builder stop(List<String> strings) {
            this.stop = strings;
            return this;
        }

        public Builder stopTokenIds(Set<Integer> ids) {
            this.stopTokenIds = ids;
            return this;
        }

        public Builder ignoreEos(boolean ignore) {
            this.ignoreEos = ignore;
            return this;
        }

        /** -1: none; otherwise the chosen token's and {@code top} alternatives. */
        public Builder logprobs(int top) {
            this.logprobs = top;
            return this;
        }

        public Builder skipSpecialTokens(boolean skip) {
            this.skipSpecialTokens = skip;
            return this;
        }

        public Builder constraint(TokenMask mask) {
            this.constraint = mask;
            return this;
        }

        /** An image prompt's rows; they must be the prompt ({@code layout.tokens()}). */
        public Builder layout(ImagePromptLayout l) {
            this.layout = l;
            return this;
        }

        public GenerationRequest build() {
            return new GenerationRequest(this);
        }
    }
}
