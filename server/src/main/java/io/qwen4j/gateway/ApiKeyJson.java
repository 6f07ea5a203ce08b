package io.qwen4j.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.store.ApiKey;
import io.qwen4j.store.Money;

/**
 * A key as JSON, for {@code keys list --json} and the admin API: id, name, prefix, balance, reserved,
 * currency, models ([] = every model), rpm, tpm, expires, revoked, created. Amounts are exact JSON numbers.
 */
public final class ApiKeyJson {
    private ApiKeyJson() {
    }

    public static ObjectNode of(ObjectMapper json, ApiKey k) {
        ObjectNode o = json.createObjectNode();
        o.put("id", k.id());
        o.put("name", k.name());
        o.put("prefix", k.prefix());
        o.put("balance", Money.plain(k.balance()));
        o.put("reserved", Money.plain(k.reserved()));
        o.put("currency", k.currency());
        k.models().forEach(o.putArray("models")::add);
        if (k.models().isEmpty()) o.putArray("models");
        if (k.rpm() == null) o.putNull("rpm"); else o.put("rpm", k.rpm());
        if (k.tpm() == null) o.putNull("tpm"); else o.put("tpm", k.tpm());
        o.put("expires", k.expiresAt() == null ? null : k.expiresAt().toString());
        o.put("revoked", k.revoked());
        o.put("created", k.createdAt().toString());
        return o;
    }
}
