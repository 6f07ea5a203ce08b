package io.qwen4j.web;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.qwen4j.gateway.Gateway;
import io.qwen4j.gateway.RequestAccount;
import io.qwen4j.gateway.Reservation;

/**
 * The gateway over HTTP: before every route but {@code /health}, the admin API and {@code /v1/usage}, the bearer
 * key is authenticated (401) and the request admitted against its requests per minute (429), with the
 * {@code x-ratelimit-*} and {@code x-request-id} headers; after it, any reservation the endpoint left open is
 * failed. With a store, the admin API ({@link AdminApi}) and {@code GET /v1/usage} ({@link UsageApi}) are added.
 */
public final class GatewayRoutes {
    private static final String ATTRIBUTE = "qwen4j.gateway.account";

    private GatewayRoutes() {
    }

    /** Registers the before/after handlers and the admin and usage routes; call once in Javalin.create. */
    public static void install(JavalinConfig config, Gateway gateway) {
        config.routes.beforeMatched(ctx -> admit(ctx, gateway));
        config.routes.after(ctx -> {
            RequestAccount account = ctx.attribute(ATTRIBUTE);
            if (account != null) account.finish();
        });
        if (gateway.keys() != null) {
            new AdminApi(gateway).install(config);
            new UsageApi(gateway).install(config);
        }
    }

    /** The account {@link #install}'s before-handler attached to this request. */
    public static RequestAccount account(Context ctx) {
        RequestAccount account = ctx.attribute(ATTRIBUTE);
        if (account == null) throw new IllegalStateException("no gateway on " + ctx.path() + ": GatewayRoutes.install was not called");
        return account;
    }

    /**
     * Opens the request's credit reservation ({@link RequestAccount#reserve}), writing the rate-limit headers of its
     * tokens-per-minute decision whether it is admitted or refused.
     */
    public static Reservation reserve(Context ctx, String model, int promptTokens, int maxTokens) {
        RequestAccount account = account(ctx);
        try {
            return account.reserve(model, promptTokens, maxTokens);
        } finally {
            RateLimitHeaders.write(ctx, account);
        }
    }

    private static void admit(Context ctx, Gateway gateway) {
        String path = ctx.path();
        // A CORS preflight carries no credentials by design.
        if (ctx.method() == io.javalin.http.HandlerType.OPTIONS) return;
        if (path.equals("/health") || path.startsWith(AdminApi.PREFIX) || path.equals(UsageApi.PATH)) return;
        RequestAccount account = gateway.authenticate(bearer(ctx), ctx.ip());
        ctx.attribute(ATTRIBUTE, account);
        ctx.header("x-request-id", account.requestId());
        try {
            gateway.limit(account);
        } finally {
            RateLimitHeaders.write(ctx, account);
        }
    }

    /** The secret of {@code Authorization: Bearer …}, or null when none was sent. */
    static String bearer(Context ctx) {
        String h = ctx.header("Authorization");
        if (h == null) return null;
        h = h.strip();
        if (h.regionMatches(true, 0, "Bearer ", 0, 7)) h = h.substring(7).strip();
        return h.isEmpty() ? null : h;
    }
}
