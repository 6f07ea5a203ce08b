package io.qwen4j.gguf;

import java.io.IOException;

/** A GGUF file that cannot be read: truncated, corrupt or hostile. The message names the problem. */
public final class GgufFormatException extends IOException {
    public GgufFormatException(String message) {
        super(message);
    }
}
