package io.qwen4j.local;

import io.qwen4j.api.ApiException;
import io.qwen4j.api.ChoiceEnd;
import io.qwen4j.api.GenerationListener;
import io.qwen4j.api.GenerationStream;
import io.qwen4j.api.Usage;
import io.qwen4j.engine.Handle;

import java.util.Arrays;
import java.util.List;

/**
 * One request's choices in the engine: sums their usage and reports the end once all have ended. Each prompt
 * counts once however many choices continue it, and so do its cached tokens: those every one of its choices reused.
 */
final class GenerationRun implements GenerationStream {
    final GenerationListener listener;
    private final int promptTokens, choicesPerPrompt;
    private final int[] cachedByPrompt; // -1 until a choice of the prompt ends
    private volatile List<Handle> handles = List.of();
    private int open, completionTokens, reasoningTokens;
    private boolean failed;

    /** Choice i continues prompt i / choicesPerPrompt. */
    GenerationRun(GenerationListener listener, int promptTokens, int prompts, int choicesPerPrompt) {
        this.listener = listener;
        this.promptTokens = promptTokens;
        this.choicesPerPrompt = choicesPerPrompt;
        this.cachedByPrompt = new int[prompts];
        Arrays.fill(cachedByPrompt, -1);
        this.open = prompts * choicesPerPrompt;
    }

    void started(List<Handle> handles) {
        this.handles = handles;
    }

    @Override
    public void cancel() {
        for (Handle h : handles) h.cancel();
    }

    synchronized void ended(int choice, ChoiceEnd end, int tokens, int reasoning, int cached) {
        completionTokens += tokens;
        reasoningTokens += reasoning;
        int prompt = choice / choicesPerPrompt;
        cachedByPrompt[prompt] = cachedByPrompt[prompt] < 0 ? cached : Math.min(cachedByPrompt[prompt], cached);
        if (failed) return;
        listener.onChoiceEnd(choice, end);
        if (--open == 0) listener.onComplete(usage());
    }

    synchronized void failed(RuntimeException e) {
        if (failed) return;
        failed = true;
        cancel();
        listener.onError(ApiException.internal("generation failed: " + e.getMessage()), usage());
    }

    private Usage usage() {
        int cached = 0;
        for (int c : cachedByPrompt) cached += Math.max(0, c);
        return new Usage(promptTokens, cached, completionTokens, reasoningTokens);
    }
}
