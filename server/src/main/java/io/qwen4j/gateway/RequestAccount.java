package io.qwen4j.gateway;

import io.qwen4j.api.ApiException;
import io.qwen4j.api.Usage;
import io.qwen4j.store.ApiKey;
import io.qwen4j.store.InsufficientBalanceException;
import io.qwen4j.store.OpenRequest;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Who pays for one HTTP request: its API key (or nobody, on a server without auth), its request id, and the
 * reservations it opened. {@link Gateway#authenticate} makes one per request; endpoints call {@link #reserve} once
 * they know the model and the prompt's token count, before any generation work:
 * <pre>{@code
 * try (Reservation r = account.reserve(model, promptTokens, maxTokens)) {                 // 402/403/429 here
 *     ... generate, calling r.progress(new Usage(prompt, cached, producedSoFar)) as tokens come ...
 *     BigDecimal cost = r.settle(new Usage(prompt, cached, completion));      // or r.abort(produced) on disconnect
 * }                                                                           // close(): fail with the last progress
 * }</pre>
 */
public final class RequestAccount {
    private final Gateway gateway;
    private final ApiKey key;
    private final String requestId;
    private final long startedAtNanos = System.nanoTime();
    private volatile RateLimiter.Decision rateLimit;
    private final List<Reservation> open = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger reservations = new java.util.concurrent.atomic.AtomicInteger();

    RequestAccount(Gateway gateway, ApiKey key, String requestId) {
        this.gateway = gateway;
        this.key = key;
        this.requestId = requestId;
    }

    /**
     * The latest rate-limit decision for this request ({@link Gateway#limit}, {@link #reserve}): what the
     * {@code x-ratelimit-*} headers report, and when refused, the wait. Empty for a key without limits checked.
     */
    public Optional<RateLimiter.Decision> rateLimit() {
        return Optional.ofNullable(rateLimit);
    }

    void limited(RateLimiter.Decision d) {
        rateLimit = d;
    }

    /** The caller's key; empty for anonymous requests (no auth). */
    public Optional<ApiKey> key() {
        return Optional.ofNullable(key);
    }

    /** This request's id, also sent back in {@code x-request-id}; stored with its usage record. */
    public String requestId() {
        return requestId;
    }

    /** The price the request would be billed at for a model, if that model is priced (free for anonymous). */
    public Optional<Price> price(String model) {
        Optional<Price> p = gateway.prices().of(model);
        return key == null && p.isEmpty() ? Optional.of(Price.free(model, gateway.prices().currency())) : p;
    }

    /**
     * Checks the key may use {@code model}, admits {@code promptTokens + maxTokens} against its tokens-per-minute
     * limit and holds the worst-case cost of its balance; refuses (as {@link ApiException}: 403, 429, 402)
     * before any work is done.
     *
     * @param maxTokens the most completion tokens the request may produce: its max_tokens, or what is left of
     *                  the context when it has none
     */
    public Reservation reserve(String model, int promptTokens, int maxTokens) {
        if (promptTokens < 0 || maxTokens < 0) throw new IllegalArgumentException("negative token count");
        Price price;
        RateLimiter.Grant grant = null;
        if (key != null) {
            if (!key.allows(model)) throw Refusals.modelNotAllowed(model);
            price = gateway.prices().of(model).orElseThrow(() -> Refusals.modelNotPriced(model));
            if (!price.currency().equals(key.currency())) {
                throw Refusals.forbidden("currency_mismatch", "this key holds " + key.currency() + " but '" + model
                        + "' is priced in " + price.currency());
            }
            long wanted = (long) promptTokens + maxTokens;
            if (key.tpm() != null && wanted > key.tpm()) {
                throw ApiException.invalid("max_tokens", "this request may use " + wanted + " tokens (prompt + max_tokens), more than"
                        + " this key's limit of " + key.tpm() + " tokens per minute; lower max_tokens");
            }
            RateLimiter.Decision d = gateway.limiter().admitTokens(key.id(), key.rpm(), key.tpm(), wanted);
            rateLimit = d;
            if (!d.admitted()) {
                throw Refusals.rateLimited("tokens", "rate limit reached for tokens per minute: limit " + key.tpm() + ", remaining "
                        + d.status().tokensRemaining() + ", requested " + wanted + "; retry in " + RateLimiter.duration(d.retryAfterMs()));
            }
            grant = d.grant();
        } else {
            price = price(model).orElseThrow();
        }
        BigDecimal hold = key == null ? BigDecimal.ZERO : price.worstCase(promptTokens, maxTokens);
        long recordId = -1;
        if (gateway.ledger() != null) {
            try {
                recordId = gateway.ledger().open(new OpenRequest(recordName(),
                        key == null ? null : key.id(), model, gateway.nodeId(), hold, price.input(), price.cachedInput(),
                        price.output(), promptTokens, gateway.clock().instant()));
            } catch (InsufficientBalanceException e) {
                if (grant != null) gateway.limiter().correct(key.id(), grant, 0);
                throw Refusals.insufficientQuota("insufficient balance: " + e.getMessage() + " (" + key.currency() + ")");
            }
        }
        Reservation r = new Reservation(this, gateway.ledger(), recordId, model, price, hold, promptTokens, grant, gateway.clock());
        open.add(r);
        return r;
    }

    Gateway gateway() {
        return gateway;
    }

    /** The usage record's request id: this request's id, suffixed for a second reservation in the same request. */
    private String recordName() {
        int n = reservations.getAndIncrement();
        return n == 0 ? requestId : requestId + "-" + n;
    }

    long startedAtNanos() {
        return startedAtNanos;
    }

    void ended(Reservation r, RateLimiter.Grant grant, Usage usage) {
        open.remove(r);
        if (key != null && grant != null) gateway.limiter().correct(key.id(), grant, usage.totalTokens());
    }

    /** Fails whatever the endpoint left open (call it once the handler has returned), so no hold outlives its request. */
    public void finish() {
        for (Reservation r : open) {
            try {
                r.close();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(RequestAccount.class).error("could not close the reservation of {}", requestId, e);
            }
        }
    }
}
