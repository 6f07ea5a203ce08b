package io.qwen4j.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.qwen4j.api.ApiException;
import io.qwen4j.gateway.DateArgument;
import io.qwen4j.gateway.Gateway;
import io.qwen4j.gateway.MoneyJson;
import io.qwen4j.store.ApiKey;
import io.qwen4j.store.Money;
import io.qwen4j.store.UsageTotals;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * {@code GET /v1/usage?from=…&to=…[&group_by=day|model][&key_id=N]}: requests, tokens and cost from the
 * ledger, for the caller's key; the admin key may name any key (or none: all keys). {@code from} and
 * {@code to} are dates (yyyy-mm-dd, UTC), ISO date-times or epoch seconds; the range is [from, to), a bare
 * {@code to} date counting whole; the default is the last 30 days. Requests still in flight are not counted.
 */
final class UsageApi {
    static final String PATH = "/v1/usage";

    private final Gateway gateway;
    private final ObjectMapper json = MoneyJson.mapper();

    UsageApi(Gateway gateway) {
        this.gateway = gateway;
    }

    void install(JavalinConfig config) {
        config.routes.get(PATH, this::usage);
    }

    private void usage(Context ctx) throws IOException {
        Long keyId;
        ApiKey caller = gateway.adminOrCallerKey(GatewayRoutes.bearer(ctx), ctx.ip());
        if (caller == null) {
            String k = ctx.queryParam("key_id");
            try {
                keyId = k == null || k.isBlank() ? null : Long.parseLong(k);
            } catch (NumberFormatException e) {
                throw ApiException.invalid("key_id", "'key_id' must be a key's numeric id");
            }
        } else {
            keyId = caller.id();
        }
        Instant to = instant(ctx, "to", true, gateway.clock().instant().plusMillis(1));
        Instant from = instant(ctx, "from", false, to.minus(Duration.ofDays(30)));
        if (!from.isBefore(to)) throw ApiException.invalid("from", "'from' must be before 'to'");
        String g = ctx.queryParam("group_by");
        UsageTotals.GroupBy groupBy;
        try {
            groupBy = g == null || g.isBlank() ? UsageTotals.GroupBy.NONE : UsageTotals.GroupBy.valueOf(g.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("group_by", "'group_by' must be 'day' or 'model'");
        }
        List<UsageTotals> rows = gateway.ledger().totals(keyId, from, to, groupBy);
        List<UsageTotals> all = gateway.ledger().totals(keyId, from, to, UsageTotals.GroupBy.NONE);

        ObjectNode out = json.createObjectNode().put("object", "usage");
        if (keyId == null) out.putNull("key_id"); else out.put("key_id", keyId);
        out.put("from", from.toString()).put("to", to.toString()).put("currency", gateway.prices().currency());
        out.put("group_by", groupBy == UsageTotals.GroupBy.NONE ? null : groupBy.name().toLowerCase(Locale.ROOT));
        ArrayNode data = out.putArray("data");
        if (groupBy != UsageTotals.GroupBy.NONE) {
            String field = groupBy == UsageTotals.GroupBy.DAY ? "day" : "model";
            for (UsageTotals t : rows) data.add(totals(t).put(field, t.group()));
        }
        out.set("total", totals(all.isEmpty() ? new UsageTotals("", 0, 0, 0, 0, BigDecimal.ZERO) : all.getFirst()));
        ctx.contentType("application/json").result(json.writeValueAsString(out));
    }

    private ObjectNode totals(UsageTotals t) {
        return json.createObjectNode()
                .put("requests", t.requests())
                .put("prompt_tokens", t.promptTokens())
                .put("cached_tokens", t.cachedTokens())
                .put("completion_tokens", t.completionTokens())
                .put("total_tokens", t.promptTokens() + t.completionTokens())
                .put("cost", Money.plain(t.cost()));
    }

    private static Instant instant(Context ctx, String name, boolean endOfDay, Instant fallback) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) return fallback;
        try {
            return DateArgument.parse(v, endOfDay);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(name, "'" + name + "': " + e.getMessage());
        }
    }
}
