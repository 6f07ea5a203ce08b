package io.qwen4j.api;

/** Why a choice ended, in OpenAI's words ({@code finish_reason}), plus a client's cancellation. */
public enum FinishReason {
    STOP("stop"), LENGTH("length"), TOOL_CALLS("tool_calls"), CANCELLED("cancelled");

    private final String wireName;

    FinishReason(String wireName) {
        this.wireName = wireName;
    }

    /** As the API writes it. */
    public String wireName() {
        return wireName;
    }
}
