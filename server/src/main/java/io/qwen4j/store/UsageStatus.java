package io.qwen4j.store;

import java.util.Locale;

/** The state of a usage record: open while its request runs, then exactly one of the final states. */
public enum UsageStatus {
    /** In flight, holding credit. */
    OPEN,
    /** Finished normally. */
    OK,
    /** Failed on our side or upstream after the reservation. */
    ERROR,
    /** The client went away (closed the stream) before the end. */
    ABORTED,
    /** The serving process died; closed by crash recovery from the last usage it recorded. */
    INTERRUPTED;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static UsageStatus of(String code) {
        return valueOf(code.toUpperCase(Locale.ROOT));
    }
}
