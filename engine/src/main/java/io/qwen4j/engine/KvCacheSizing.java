package io.qwen4j.engine;

import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.ModelShape;

/**
 * What a KV cache of {@code parallel × contextSize} tokens costs, and the refusal at startup when the model
 * or the machine cannot hold it: keys and values of every layer, {@code 2 · layers · kvHeads · headDim}
 * elements per token.
 */
public final class KvCacheSizing {
    private KvCacheSizing() {
    }

    public static long bytesPerToken(ModelShape model, PagedKvCache.Storage storage) {
        int element = storage == PagedKvCache.Storage.F32 ? 4 : 2;
        return 2L * model.layers() * model.kvHeads() * model.headDim() * element;
    }

    public static long bytes(ModelShape model, EngineConfig config) {
        return (long) config.parallel() * config.contextSize() * bytesPerToken(model, config.kvStorage());
    }

    /**
     * Throws {@link IllegalStateException} with the numbers when {@code contextSize} exceeds the model's
     * context length or the cache would not fit in {@code availableBytes} (memory left beside the weights).
     */
    public static void check(ModelShape model, EngineConfig config, long availableBytes) {
        if (config.contextSize() > model.contextLength()) {
            throw new IllegalStateException("contextSize " + config.contextSize() + " exceeds the model's context length "
                    + model.contextLength());
        }
        long need = bytes(model, config);
        if (need > availableBytes) {
            long perSequence = availableBytes / Math.max(1, (long) config.parallel() * bytesPerToken(model, config.kvStorage()));
            throw new IllegalStateException(String.format(
                    "the KV cache for parallel %d × contextSize %d tokens in %s needs %s (%d bytes per token), but only %s"
                            + " of memory is available; lower contextSize (at most %d fits at this parallel), parallel,"
                            + " or use kvStorage f16/bf16",
                    config.parallel(), config.contextSize(), config.kvStorage().name().toLowerCase(java.util.Locale.ROOT),
                    human(need), bytesPerToken(model, config.kvStorage()), human(availableBytes), perSequence));
        }
    }

    /** Physical memory minus the weights (mapped, so they take page cache) and a 10 % margin. */
    public static long availableMemory(long weightBytes) {
        long total = Runtime.getRuntime().maxMemory(); // fallback when the OS bean is unavailable
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            total = os.getTotalMemorySize();
        }
        return Math.max(0, (long) (total * 0.9) - weightBytes - Runtime.getRuntime().maxMemory());
    }

    static String human(long bytes) {
        if (bytes >= 1L << 30) return String.format("%.2f GiB", bytes / (double) (1L << 30));
        if (bytes >= 1L << 20) return String.format("%.1f MiB", bytes / (double) (1L << 20));
        return bytes + " bytes";
    }
}
