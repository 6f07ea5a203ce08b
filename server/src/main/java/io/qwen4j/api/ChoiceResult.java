package io.qwen4j.api;

import java.util.ArrayList;
import java.util.List;

/** One choice's whole output, collected from its deltas (non-streaming responses). */
public final class ChoiceResult {
    public final StringBuilder content = new StringBuilder();
    public final StringBuilder reasoning = new StringBuilder();
    public final List<TokenLogprob> logprobs = new ArrayList<>();
    public ChoiceEnd end;

    public void add(ChoiceDelta d) {
        content.append(d.content());
        reasoning.append(d.reasoning());
        logprobs.addAll(d.logprobs());
    }
}
