package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.qwen4j.api.ApiException;
import io.qwen4j.gateway.ApiKeyJson;
import io.qwen4j.gateway.DateArgument;
import io.qwen4j.gateway.Gateway;
import io.qwen4j.gateway.KeySecret;
import io.qwen4j.gateway.MoneyJson;
import io.qwen4j.store.ApiKey;
import io.qwen4j.store.InvalidFieldException;
import io.qwen4j.store.NewApiKey;

import java.io.IOException;
import java.math.BigDecimal;

/**
 * Key management over HTTP, for the admin key only ({@code Authorization: Bearer <admin key>}):
 * <pre>
 * GET  /admin/keys                  → {"object": "list", "data": [key…]}
 * POST /admin/keys                  {"name", "credit"?, "models"?: [..], "rpm"?, "tpm"?, "expires"?} → 201 {"key": key, "secret": "sk-…"}
 * POST /admin/keys/{id}/revoke      → key
 * POST /admin/keys/{id}/top-up      {"amount", "note"?} → key
 * </pre>
 * Keys are shaped as in {@link ApiKeyJson}; amounts are decimal strings or JSON numbers (read exactly).
 */
final class AdminApi {
    static final String PREFIX = "/admin/";

    private final Gateway gateway;
    private final ObjectMapper json = MoneyJson.mapper();

    AdminApi(Gateway gateway) {
        this.gateway = gateway;
    }

    void install(JavalinConfig config) {
        config.routes.get("/admin/keys", ctx -> {
            admin(ctx);
            ArrayNode data = json.createArrayNode();
            gateway.keys().list().forEach(k -> data.add(ApiKeyJson.of(json, k)));
            ObjectNode out = json.createObjectNode().put("object", "list");
            out.set("data", data);
            respond(ctx, 200, out);
        });
        config.routes.post("/admin/keys", ctx -> {
            admin(ctx);
            NewApiKey spec = AdminRequests.newKey(body(ctx), gateway.prices().currency());
            KeySecret secret = KeySecret.generate();
            ApiKey key;
            try {
                key = gateway.keys().create(spec, secret.hash(), secret.prefix(), gateway.clock().instant());
            } catch (InvalidFieldException e) {
                throw ApiException.invalid(e.field(), e.getMessage());
            }
            ObjectNode out = json.createObjectNode();
            out.set("key", ApiKeyJson.of(json, key));
            out.put("secret", secret.secret());
            respond(ctx, 201, out);
        });
        config.routes.post("/admin/keys/{id}/revoke", ctx -> {
            admin(ctx);
            ApiKey key = key(ctx);
            respond(ctx, 200, ApiKeyJson.of(json, gateway.keys().revoke(key.id(), gateway.clock().instant())));
        });
        config.routes.post("/admin/keys/{id}/top-up", ctx -> {
            admin(ctx);
            ApiKey key = key(ctx);
            JsonNode body = body(ctx);
            BigDecimal amount = AdminRequests.topUpAmount(body);
            try {
                ApiKey after = gateway.keys().topUp(key.id(), amount, AdminRequests.note(body), gateway.clock().instant());
                respond(ctx, 200, ApiKeyJson.of(json, after));
            } catch (InvalidFieldException e) {
                throw ApiException.invalid(e.field(), e.getMessage());
            }
        });
    }

    private void admin(Context ctx) {
        gateway.requireAdmin(GatewayRoutes.bearer(ctx), ctx.ip());
    }

    private ApiKey key(Context ctx) {
        String id = ctx.pathParam("id");
        try {
            return gateway.keys().find(Long.parseLong(id)).orElseThrow(() -> ApiException.notFound("no key with id " + id));
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no key with id " + id);
        }
    }

    private JsonNode body(Context ctx) {
        try {
            JsonNode n = ctx.body().isBlank() ? json.createObjectNode() : json.readTree(ctx.body());
            if (!n.isObject()) throw ApiException.invalid(null, "the request body must be a JSON object");
            return n;
        } catch (IOException e) {
            throw ApiException.invalid(null, "the request body is not valid JSON");
        }
    }

    private void respond(Context ctx, int status, JsonNode node) throws IOException {
        ctx.status(status).contentType("application/json").result(json.writeValueAsString(node));
    }
}
