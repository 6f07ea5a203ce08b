package io.qwen4j.engine;

import io.qwen4j.sampling.Logprobs;
import io.qwen4j.sampling.SamplingChain;
import io.qwen4j.sampling.TokenHistory;
import io.qwen4j.tokenizer.Qwen3Tokenizer;
import io.qwen4j.tokenizer.StreamingDetokenizer;
import io.qwen4j.tokenizer.TokenType;

/**
 * What one sequence makes of each step's logits: the log-probabilities, the sampled token, its text
 * (detokenized, stop strings held back and cut), the token reported to the listener, and whether the
 * sequence ends with it. Used by the scheduler thread only.
 */
final class SequenceOutput {
    private final GenerationRequest request;
    private final TokenListener listener;
    private final Qwen3Tokenizer tokenizer;
    private final int vocab;
    private final TokenHistory history;
    private final SamplingChain chain;
    private final StreamingDetokenizer detokenizer;
    private final StopSequenceMatcher stops;
    private int generated;
    private int lastToken;

    SequenceOutput(GenerationRequest request, TokenListener listener, Qwen3Tokenizer tokenizer, int vocab) {
        this.request = request;
        this.listener = listener;
        this.tokenizer = tokenizer;
        this.vocab = vocab;
        this.history = new TokenHistory(request.prompt());
        this.chain = new SamplingChain(request.sampling(), request.constraint());
        this.detokenizer = tokenizer.newStreamingDetokenizer();
        this.stops = new StopSequenceMatcher(request.stop());
    }

    /** Tokens generated so far, an ending token included. */
    int generated() {
        return generated;
    }

    /** The token generated last: the next decode step's input. */
    int lastToken() {
        return lastToken;
    }

    /**
     * Samples the next token from this step's logits (of {@code vocab} entries; penalties and masks change them)
     * and reports it; returns why the sequence ends with it, or null when it goes on.
     */
    FinishReason accept(float[] logits) {
        float logprob = Float.NaN;
        Logprobs.TopK top = null;
        float[] raw = null;
        double lse = 0;
        if (request.logprobs() >= 0) {
            // Log-probabilities of the model's own distribution (vLLM's default "raw" logprobs): before
            // penalties, bias, temperature and truncation.
            lse = Logprobs.logSumExp(logits, 0, vocab);
            top = request.logprobs() > 0 ? Logprobs.topK(logits, 0, vocab, request.logprobs()) : new Logprobs.TopK(new int[0], new float[0]);
            raw = logits.clone();
        }
        boolean early = generated < request.minTokens();
        if (early) banEndings(logits);
        int token = chain.next(logits, history);
        if (raw != null) logprob = (float) (raw[token] - lse);
        history.append(token);
        if (request.constraint() != null) request.constraint().accept(token);
        generated++;
        lastToken = token;

        boolean eos = !request.ignoreEos() && tokenizer.isEndOfGeneration(token) && !early;
        boolean stopToken = request.stopTokenIds().contains(token) && !early;
        String piece = eos || stopToken ? "" : decode(token);
        StopSequenceMatcher.Result r = stops.push(piece);
        FinishReason end = null;
        if (r.matched() != null && !early) end = new FinishReason.StopSequence(r.matched());
        else if (eos) end = new FinishReason.EndOfGeneration(token);
        else if (stopToken) end = new FinishReason.StopToken(token);
        else if (request.constraint() != null && request.constraint().isComplete()) end = new FinishReason.ConstraintComplete();
        else if (generated >= request.maxTokens()) end = new FinishReason.MaxTokens();
        // Before min_tokens a stop string is ordinary text.
        String text = r.matched() != null && early ? r.text() + r.matched() : r.text();
        listener.onToken(new GeneratedToken(token, text, logprob, top, eos || stopToken));
        return end;
    }

    /**
     * The text still held when the sequence ends for {@code reason}: incomplete UTF-8 and a partial stop-string
     * match. None after a stop string (what followed it is cut) or a cancellation.
     */
    String tail(FinishReason reason) {
        if (reason instanceof FinishReason.StopSequence || reason instanceof FinishReason.Cancelled) return "";
        StopSequenceMatcher.Result r = stops.push(detokenizer.flush());
        return r.text() + stops.flush();
    }

    private String decode(int token) {
        if (request.skipSpecialTokens() && tokenizer.vocabulary().type(token) == TokenType.CONTROL) return "";
        return detokenizer.push(token);
    }

    /** Before min_tokens: no end-of-generation or stop token can be picked. */
    private void banEndings(float[] logits) {
        for (int id = 0; id < vocab; id++) {
            if ((!request.ignoreEos() && tokenizer.isEndOfGeneration(id)) || request.stopTokenIds().contains(id)) {
                logits[id] = Float.NEGATIVE_INFINITY;
            }
        }
    }
}
