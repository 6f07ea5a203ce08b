package io.qwen4j.gateway;

import io.javalin.http.Context;

/** OpenAI's rate-limit headers; only the limits a key has are reported. */
final class RateLimitHeaders {
    private RateLimitHeaders() {
    }

    static void write(Context ctx, RateLimiter.Status s) {
        if (ctx == null) return;
        if (s.requestLimit() != null) {
            ctx.header("x-ratelimit-limit-requests", String.valueOf(s.requestLimit()));
            ctx.header("x-ratelimit-remaining-requests", String.valueOf(s.requestsRemaining()));
            ctx.header("x-ratelimit-reset-requests", RateLimiter.duration(s.requestsResetMs()));
        }
        if (s.tokenLimit() != null) {
            ctx.header("x-ratelimit-limit-tokens", String.valueOf(s.tokenLimit()));
            ctx.header("x-ratelimit-remaining-tokens", String.valueOf(s.tokensRemaining()));
            ctx.header("x-ratelimit-reset-tokens", RateLimiter.duration(s.tokensResetMs()));
        }
    }

    /** Whole seconds, rounded up, at least 1. */
    static void retryAfter(Context ctx, long ms) {
        if (ctx != null) ctx.header("Retry-After", String.valueOf(Math.max(1, (ms + 999) / 1000)));
    }
}
