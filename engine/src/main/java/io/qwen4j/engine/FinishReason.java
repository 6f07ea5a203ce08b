package io.qwen4j.engine;

/** Why a sequence ended, with what ended it. */
public sealed interface FinishReason {

    /** One of the model's end-of-generation tokens (not with {@link GenerationRequest#ignoreEos()}). */
    record EndOfGeneration(int token) implements FinishReason {
    }

    /** A token id of {@link GenerationRequest#stopTokenIds()}. */
    record StopToken(int token) implements FinishReason {
    }

    /** A string of {@link GenerationRequest#stop()}; it is not part of the output. */
    record StopSequence(String matched) implements FinishReason {
    }

    /** The constrained output (a JSON document, a tool call) is whole: nothing but an ending could follow. */
    record ConstraintComplete() implements FinishReason {
    }

    /** {@link GenerationRequest#maxTokens()} tokens were generated. */
    record MaxTokens() implements FinishReason {
    }

    /** {@link Handle#cancel()}. */
    record Cancelled() implements FinishReason {
    }
}
