package io.qwen4j.web;

import io.javalin.http.Context;
import io.qwen4j.gateway.RateLimiter;
import io.qwen4j.gateway.RequestAccount;

/** OpenAI's rate-limit headers; only the limits a key has are reported. */
final class RateLimitHeaders {
    private RateLimitHeaders() {
    }

    /** The headers of the account's latest rate-limit decision, and Retry-After when it refused. */
    static void write(Context ctx, RequestAccount account) {
        account.rateLimit().ifPresent(d -> {
            write(ctx, d.status());
            // Whole seconds, rounded up, at least 1.
            if (!d.admitted()) ctx.header("Retry-After", String.valueOf(Math.max(1, (d.retryAfterMs() + 999) / 1000)));
        });
    }

    private static void write(Context ctx, RateLimiter.Status s) {
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
}
