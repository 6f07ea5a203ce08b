package io.qwen4j.kv;

/**
 * The content address of a full KV block: the first 128 bits of a SHA-256 over its parent block's key and
 * everything that decides its rows' keys and values (see {@link BlockKeyChain}). Two blocks with the same key
 * hold the same keys and values, so a sequence whose prompt starts the same way can read them instead of
 * computing them.
 */
public record BlockKey(long high, long low) {
}
