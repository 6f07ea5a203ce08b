package io.qwen4j.api;

import java.util.ArrayList;
import java.util.List;

/** One choice's whole output, collected from its deltas (non-streaming responses). */
public final class ChoiceResult {
    public final StringBuilder content = new StringBuilder();
    public final StringBuilder reasoning = new StringBuilder();
    public final List<TokenLogprob> logprobs = new ArrayList<>();
    public final List<ToolCall> toolCalls = new ArrayList<>();
    public ChoiceEnd end;

    /** A whole tool call, its arguments assembled from the fragments. */
    public record ToolCall(String id, String name, StringBuilder arguments) {
    }

    public void add(ChoiceDelta d) {
        content.append(d.content());
        reasoning.append(d.reasoning());
        logprobs.addAll(d.logprobs());
        for (ToolCallDelta t : d.toolCalls()) {
            if (t.index() == toolCalls.size()) toolCalls.add(new ToolCall(t.id(), t.name(), new StringBuilder()));
            toolCalls.get(t.index()).arguments().append(t.arguments());
        }
    }
}
