package io.qwen4j.web;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.qwen4j.api.ApiException;
import io.qwen4j.gateway.Gateway;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;

/**
 * What keeps web pages out. Any page a user visits can make the browser send requests to a server on their
 * machine: a form-like POST ({@code text/plain}, no CORS preflight) would generate, and a page whose name
 * re-resolves to 127.0.0.1 (DNS rebinding) could even read the answers. So:
 * <ul>
 *   <li>a body must be {@code application/json} (415 otherwise): a page cannot send that without a preflight;</li>
 *   <li>a keyless server listening on loopback answers only requests that name a loopback {@code Host} (403
 *       otherwise): a rebound name arrives with its own Host;</li>
 *   <li>CORS headers go only to the configured origins ({@code --cors-origins}), preflights included.</li>
 * </ul>
 */
final class BrowserGuard {
    private final Set<String> origins;
    private final Gateway gateway;
    private volatile boolean loopbackOnly;

    BrowserGuard(Set<String> origins, Gateway gateway) {
        this.origins = origins;
        this.gateway = gateway;
    }

    /** The server listens on {@code host}. */
    void listening(String host) {
        try {
            loopbackOnly = InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            loopbackOnly = false;
        }
    }

    /** Before every route; answers CORS preflights itself. */
    void check(Context ctx) {
        if (ctx.method() == HandlerType.OPTIONS) {
            preflight(ctx);
            ctx.skipRemainingHandlers();
            return;
        }
        if (loopbackOnly && !isLoopbackHost(ctx.header("Host")) && gateway.anonymous()) {
            throw new ApiException(403, "permission_error", null, "host_not_allowed",
                    "this server has no API keys and answers only requests addressed to localhost");
        }
        String origin = ctx.header("Origin");
        if (origin != null && origins.contains(origin)) {
            ctx.header("Access-Control-Allow-Origin", origin);
            ctx.header("Vary", "Origin");
        }
        // A declared type that is not JSON is refused whatever the framing says of the body.
        if (ctx.method() == HandlerType.POST && (hasBody(ctx) || ctx.contentType() != null) && !isJson(ctx.contentType())) {
            throw new ApiException(415, "invalid_request_error", null, "unsupported_media_type",
                    "the request body must be sent as 'Content-Type: application/json'");
        }
    }

    /** A CORS preflight: allowed for the configured origins only. */
    private void preflight(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null || !origins.contains(origin)) {
            throw new ApiException(403, "permission_error", null, "origin_not_allowed",
                    "this origin is not allowed (the server's --cors-origins)");
        }
        ctx.header("Access-Control-Allow-Origin", origin);
        ctx.header("Vary", "Origin");
        ctx.header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type");
        ctx.header("Access-Control-Max-Age", "600");
        ctx.status(204);
    }

    private static boolean hasBody(Context ctx) {
        return ctx.contentLength() > 0 || ctx.header("Transfer-Encoding") != null;
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) return false;
        String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return type.equals("application/json");
    }

    /** {@code localhost}, a loopback address literal, either with a port. */
    static boolean isLoopbackHost(String host) {
        if (host == null) return false;
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 && h.substring(1, end).equals("::1");
        }
        int colon = h.indexOf(':');
        if (colon >= 0) h = h.substring(0, colon);
        if (h.equals("localhost") || h.endsWith(".localhost")) return true;
        return h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }
}
