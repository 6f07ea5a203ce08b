package io.qwen4j.store;

import java.time.Instant;

/** A server process using the store; its heartbeat tells the others it is alive. */
public record Node(String id, String host, long pid, Instant startedAt, Instant heartbeatAt) {
}
