package io.qwen4j.local;

import io.qwen4j.api.ChoiceEnd;
import io.qwen4j.engine.FinishReason;

/** The engine's finish reasons in the API's terms: OpenAI's reason, the engine's own word for it, and vLLM's stop_reason. */
final class ChoiceEnding {
    private ChoiceEnding() {
    }

    /** {@code calledTools}: the output held tool calls, so a stop is OpenAI's {@code tool_calls}. */
    static ChoiceEnd of(FinishReason reason, boolean calledTools) {
        io.qwen4j.api.FinishReason stop = calledTools ? io.qwen4j.api.FinishReason.TOOL_CALLS : io.qwen4j.api.FinishReason.STOP;
        return switch (reason) {
            case FinishReason.EndOfGeneration e -> new ChoiceEnd(stop, "eos", e.token());
            case FinishReason.StopToken t -> new ChoiceEnd(stop, "stop_token", t.token());
            case FinishReason.StopSequence s -> new ChoiceEnd(stop, "stop_sequence", s.matched());
            case FinishReason.ConstraintComplete _ -> new ChoiceEnd(stop, "constraint_complete", null);
            case FinishReason.MaxTokens _ -> new ChoiceEnd(io.qwen4j.api.FinishReason.LENGTH, "max_tokens", null);
            case FinishReason.Cancelled _ -> new ChoiceEnd(io.qwen4j.api.FinishReason.CANCELLED, "cancelled", null);
        };
    }
}
