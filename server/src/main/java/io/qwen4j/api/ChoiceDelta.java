package io.qwen4j.api;

import java.util.List;

/**
 * New output of one choice: answer text, reasoning text (from a {@code <think>} block), token logprobs and
 * tool-call fragments.
 *
 * @param tokens how many generated tokens this delta completes the delivery of (those whose text it carries, and
 *               any held back before it); 0 where the backend does not count. The HTTP layer records it as the
 *               request's progress once the delta has reached the client: what a crash cannot lose.
 */
public record ChoiceDelta(String content, String reasoning, List<TokenLogprob> logprobs, List<ToolCallDelta> toolCalls, int tokens) {

    public ChoiceDelta {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public ChoiceDelta(String content, String reasoning, List<TokenLogprob> logprobs, List<ToolCallDelta> toolCalls) {
        this(content, reasoning, logprobs, toolCalls, 0);
    }

    public ChoiceDelta(String content, String reasoning, List<TokenLogprob> logprobs) {
        this(content, reasoning, logprobs, List.of(), 0);
    }

    public ChoiceDelta withTokens(int n) {
        return new ChoiceDelta(content, reasoning, logprobs, toolCalls, n);
    }

    public boolean isEmpty() {
        return content.isEmpty() && reasoning.isEmpty() && logprobs.isEmpty() && toolCalls.isEmpty();
    }
}
