package io.qwen4j.engine;

/** Why a sequence ended, in OpenAI's terms ({@code stop}, {@code length}) plus a client cancellation. */
public enum FinishReason {
    STOP, LENGTH, CANCELLED;

    public String openAiName() {
        return switch (this) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
        };
    }
}
