package io.qwen4j.api;

/** Receives every {@link UsageReport}; must not throw and must be quick (it runs on the request's thread). */
@FunctionalInterface
public interface UsageSink {
    UsageSink NONE = report -> {
    };

    void report(UsageReport report);
}
