package io.qwen4j.api;

import java.util.List;

/**
 * New output of one choice: answer text, reasoning text (from a {@code <think>} block), token logprobs and
 * tool-call fragments.
 */
public record ChoiceDelta(String content, String reasoning, List<TokenLogprob> logprobs, List<ToolCallDelta> toolCalls) {

    public ChoiceDelta {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public ChoiceDelta(String content, String reasoning, List<TokenLogprob> logprobs) {
        this(content, reasoning, logprobs, List.of());
    }

    public boolean isEmpty() {
        return content.isEmpty() && reasoning.isEmpty() && logprobs.isEmpty() && toolCalls.isEmpty();
    }
}
