package io.qwen4j.hub;

import java.io.IOException;

/** A download that cannot go on: the hub refused, the file is not there, or its checksum is wrong. */
public final class HubException extends IOException {
    public HubException(String message) {
        super(message);
    }
}
