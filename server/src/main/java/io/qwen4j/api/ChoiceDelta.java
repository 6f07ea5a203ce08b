package io.qwen4j.api;

import java.util.List;

/** New output of one choice: answer text, reasoning text (from a {@code <think>} block), token logprobs. */
public record ChoiceDelta(String content, String reasoning, List<TokenLogprob> logprobs) {

    public boolean isEmpty() {
        return content.isEmpty() && reasoning.isEmpty() && logprobs.isEmpty();
    }
}
