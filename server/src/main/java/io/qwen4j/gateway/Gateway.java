package io.qwen4j.gateway;

import io.qwen4j.store.ApiKey;
import io.qwen4j.store.ApiKeyStore;
import io.qwen4j.store.Closing;
import io.qwen4j.store.Database;
import io.qwen4j.store.Node;
import io.qwen4j.store.NodeRegistry;
import io.qwen4j.store.UsageLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The business side of the service, in plain methods (HTTP is the web layer's): {@link #authenticate} → {@link #limit}
 * → {@link RequestAccount#reserve} credit → (the endpoint generates) → {@link Reservation#settle} usage and cost.
 *
 * <h2>The seam</h2>
 * <ol>
 *   <li>For every request but {@code /health}, the web layer calls {@link #authenticate} with the bearer secret
 *   (401 for a bad key) and {@link #limit} (429 over the requests per minute), writes the rate-limit headers from
 *   {@link RequestAccount#rateLimit()}, and once the handler has returned calls {@link RequestAccount#finish()},
 *   which fails any reservation the endpoint left open. Refusals are thrown as
 *   {@link io.qwen4j.api.ApiException}.</li>
 *   <li>A generating endpoint, once it knows the model and the prompt's tokens and before any work:
 * <pre>{@code
 * try (Reservation r = account.reserve(model, promptTokens, maxTokens)) {                // 402 / 403 / 429
 *     for (each token) r.progress(new Usage(promptTokens, cachedTokens, producedSoFar));   // optional, cheap
 *     BigDecimal cost = r.settle(new Usage(promptTokens, cachedTokens, completionTokens)); // usage.cost
 * } // a client disconnect: r.abort(produced); an error: r.fail(produced, message) or just let close() do it
 * }</pre></li>
 *   <li>Prices for {@code /v1/models} and {@code usage.cost}: {@link #prices()}{@code .of(model)}.</li>
 *   <li>Key management and usage reports: {@link #requireAdmin}, {@link #callerKey}, {@link #keys()},
 *   {@link #ledger()}.</li>
 * </ol>
 *
 * <h2>Who may call</h2>
 * With {@code noAuth}, or while the store holds no key at all, requests are anonymous: recorded, never
 * charged, not rate-limited (the CLI then only listens on loopback). Once a key exists, every request needs
 * {@code Authorization: Bearer sk-…}. The admin key (if configured) opens only the admin API and any key's
 * usage.
 *
 * <h2>Crash recovery</h2>
 * Each gateway registers as a node with a heartbeat. At start-up and on every heartbeat, the open usage
 * records of dead nodes (heartbeat older than {@code staleAfter}, or on this host a process that no longer
 * runs) are closed as {@code interrupted}: charged for the tokens their last progress recorded if that
 * included completion tokens, otherwise released for nothing; see {@link ReservationRecovery}.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    /**
     * @param prices     the price table
     * @param noAuth     serve anonymous requests even when keys exist
     * @param adminKey   the secret that opens the admin API, or null (admin API off)
     * @param clock      time for expiry, rate limits and records
     * @param heartbeat  how often this node proves it lives and recovers dead nodes' requests
     * @param staleAfter a node whose heartbeat is older than this is dead
     */
    public record Settings(PriceTable prices, boolean noAuth, String adminKey, InstantSource clock, Duration heartbeat,
                           Duration staleAfter) {
        public static Settings defaults() {
            return new Settings(PriceTable.defaults(), false, null, InstantSource.system(), Duration.ofSeconds(10),
                    Duration.ofSeconds(60));
        }

        public Settings withPrices(PriceTable p) {
            return new Settings(p, noAuth, adminKey, clock, heartbeat, staleAfter);
        }

        public Settings withNoAuth(boolean n) {
            return new Settings(prices, n, adminKey, clock, heartbeat, staleAfter);
        }

        /** Refuses (IllegalArgumentException) a weak admin key; null or blank turns the admin API off. */
        public Settings withAdminKey(String k) {
            String key = k == null || k.isBlank() ? null : k;
            if (key != null) checkAdminKey(key);
            return new Settings(prices, noAuth, key, clock, heartbeat, staleAfter);
        }

        public Settings withClock(InstantSource c) {
            return new Settings(prices, noAuth, adminKey, c, heartbeat, staleAfter);
        }

        public Settings withStaleAfter(Duration d) {
            return new Settings(prices, noAuth, adminKey, clock, heartbeat, d);
        }
    }

    private final Settings settings;
    private final ApiKeyStore keys;      // all three null when unmetered
    private final UsageLedger ledger;
    private final NodeRegistry nodes;
    private final RateLimiter limiter;
    private final AuthFailures authFailures;
    private final String nodeId;
    private final ScheduledExecutorService heartbeat;
    private final ReservationRecovery recovery;
    private volatile boolean keysExist;
    private final Map<Long, Closing> unsettled = new ConcurrentHashMap<>();

    private Gateway(Database db, Settings settings) {
        this.settings = settings;
        this.limiter = new RateLimiter(settings.clock());
        this.authFailures = new AuthFailures(settings.clock());
        this.nodeId = UUID.randomUUID().toString();
        if (db == null) {
            keys = null;
            ledger = null;
            nodes = null;
            heartbeat = null;
            recovery = null;
            return;
        }
        keys = new ApiKeyStore(db);
        ledger = new UsageLedger(db);
        nodes = new NodeRegistry(db);
        recovery = new ReservationRecovery(ledger, nodes, settings.clock(), settings.staleAfter(), nodeId);
        Instant now = settings.clock().instant();
        nodes.register(new Node(nodeId, ReservationRecovery.HOST, ProcessHandle.current().pid(), now, now));
        recovery.run();
        heartbeat = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("qwen4j-heartbeat").factory());
        long every = settings.heartbeat().toMillis();
        heartbeat.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
    }

    /** A gateway over a store: keys, ledger, limits; registers this node and recovers dead nodes' requests. */
    public static Gateway open(Database db, Settings settings) {
        return new Gateway(db, settings);
    }

    /** No store: every request anonymous, nothing recorded (library use and protocol tests). */
    public static Gateway unmetered() {
        return new Gateway(null, Settings.defaults().withNoAuth(true));
    }

    private void beat() {
        try {
            nodes.heartbeat(nodeId, settings.clock().instant());
            retryUnsettled();
            recovery.run();
        } catch (RuntimeException e) {
            log.warn("heartbeat failed: {}", e.toString());
        }
    }

    /** Keeps a closing the store refused (it was down) to retry on the next heartbeats. */
    void closeLater(long recordId, Closing closing) {
        unsettled.put(recordId, closing);
    }

    /** Retries the closings the store refused; returns how many are still waiting. */
    int retryUnsettled() {
        for (Map.Entry<Long, Closing> e : unsettled.entrySet()) {
            try {
                ledger.close(e.getKey(), e.getValue());
                unsettled.remove(e.getKey());
            } catch (RuntimeException stillDown) {
                log.warn("still cannot settle usage record {}: {}", e.getKey(), stillDown.toString());
            }
        }
        return unsettled.size();
    }

    /** The shortest admin key accepted, and the fewest distinct characters in it. */
    public static final int ADMIN_KEY_MIN_LENGTH = 32, ADMIN_KEY_MIN_DISTINCT = 10;

    /**
     * Refuses an admin key that could be guessed: shorter than 32 characters or with fewer than 10 distinct ones
     * ({@code openssl rand -hex 32} gives a good one).
     */
    public static void checkAdminKey(String key) {
        if (key.length() < ADMIN_KEY_MIN_LENGTH || key.chars().distinct().count() < ADMIN_KEY_MIN_DISTINCT) {
            throw new IllegalArgumentException("the admin key is too weak: it needs at least " + ADMIN_KEY_MIN_LENGTH
                    + " characters, " + ADMIN_KEY_MIN_DISTINCT + " of them distinct (e.g. the output of 'openssl rand -hex 32')");
        }
    }

    /**
     * The request's account: its key if the server needs or the caller brings one, else anonymous. Refuses bad keys
     * with 401, and a client address that failed too often lately with 429.
     *
     * @param secret the bearer secret of the Authorization header, or null when none was sent
     * @param client the caller's address, for throttling and logging failures
     */
    public RequestAccount authenticate(String secret, String client) {
        byte[] id = new byte[12];
        ThreadLocalRandom.current().nextBytes(id);
        String requestId = "req_" + HexFormat.of().formatHex(id);
        if (anonymous()) {
            // Clients such as the OpenAI SDK always send some key; without auth it is ignored.
            return new RequestAccount(this, null, requestId);
        }
        return new RequestAccount(this, callerKey(secret, client), requestId);
    }

    /**
     * Admits one more request this minute for the account's key; 429 when it has made its requests per minute.
     * The decision (for the rate-limit headers) stays on the account either way.
     */
    public void limit(RequestAccount account) {
        if (account.key().isEmpty()) return;
        ApiKey k = account.key().get();
        RateLimiter.Decision d = limiter.admitRequest(k.id(), k.rpm(), k.tpm());
        account.limited(d);
        if (!d.admitted()) {
            throw Refusals.rateLimited("requests", "rate limit reached for requests per minute: limit " + k.rpm()
                    + "; retry in " + RateLimiter.duration(d.retryAfterMs()));
        }
    }

    /**
     * The valid, unrevoked, unexpired key of this bearer secret (null: none sent); 401 otherwise, never echoing
     * the secret; 429 for a client address that failed too often lately.
     */
    public ApiKey callerKey(String secret, String client) {
        if (secret == null) {
            throw Refusals.invalidApiKey("you didn't provide an API key: send it as 'Authorization: Bearer sk-…'");
        }
        authFailures.check(client);
        ApiKey key = keys.findBySecretHash(KeySecret.hash(secret)).orElse(null);
        if (key == null) {
            authFailures.failed(client, "unknown API key");
            throw Refusals.invalidApiKey("incorrect API key provided");
        }
        if (key.revoked()) throw Refusals.invalidApiKey("the API key " + key.prefix() + "… has been revoked");
        if (key.expiredAt(settings.clock().instant())) throw Refusals.invalidApiKey("the API key " + key.prefix() + "… has expired");
        return key;
    }

    /**
     * Refuses a bearer secret that is not the admin key: 403 when the admin API is off, else 401 (logged), and 429
     * for a client address that failed too often lately.
     */
    public void requireAdmin(String secret, String client) {
        if (settings.adminKey() == null) {
            throw Refusals.forbidden("admin_disabled", "the admin API is off: start the server with --admin-key or QWEN4J_ADMIN_KEY");
        }
        AuthFailures.Attempt attempt = authFailures.attempt(client);
        if (!isAdmin(secret)) {
            attempt.failed("not the admin key");
            throw Refusals.invalidApiKey("the admin API needs the admin key");
        }
        attempt.succeeded();
    }

    /**
     * The caller of a route open to the admin key and to API keys ({@code /v1/usage}): null for the admin key, else
     * its valid key; throttled like {@link #callerKey} before either secret is compared, so that the route answers
     * no guess of the admin key once the address has failed too often.
     */
    public ApiKey adminOrCallerKey(String secret, String client) {
        if (secret == null) return callerKey(null, client);
        AuthFailures.Attempt attempt = authFailures.attempt(client);
        if (isAdmin(secret)) {
            attempt.succeeded();
            return null;
        }
        attempt.succeeded(); // not the admin key: judged as an API key
        return callerKey(secret, client);
    }

    /** Whether a bearer secret is the admin key (compared in constant time). */
    private boolean isAdmin(String secret) {
        return settings.adminKey() != null && secret != null && KeySecret.same(secret, settings.adminKey());
    }

    /** Whether requests are anonymous: no store, {@code noAuth}, or no key created yet. */
    public boolean anonymous() {
        return keys == null || settings.noAuth() || !anyKeys();
    }

    private boolean anyKeys() {
        if (!keysExist) keysExist = keys.any(); // latches: keys are never deleted
        return keysExist;
    }

    public PriceTable prices() {
        return settings.prices();
    }

    /** The key store, or null when unmetered. */
    public ApiKeyStore keys() {
        return keys;
    }

    /** The usage ledger, or null when unmetered. */
    public UsageLedger ledger() {
        return ledger;
    }

    RateLimiter limiter() {
        return limiter;
    }

    public InstantSource clock() {
        return settings.clock();
    }

    String nodeId() {
        return nodeId;
    }

    /** Closes the records of dead nodes now (also done at start-up and on every heartbeat). */
    public ReservationRecovery.Result recover() {
        return recovery == null ? new ReservationRecovery.Result(0, 0, java.math.BigDecimal.ZERO) : recovery.run();
    }

    /** Stops the heartbeat and deregisters this node (its requests must have ended: stop the HTTP server first). */
    @Override
    public void close() {
        if (heartbeat == null) return;
        heartbeat.shutdownNow();
        try {
            heartbeat.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (retryUnsettled() > 0) log.error("{} usage records could not be settled; the next start-up closes them from their progress", unsettled.size());
        if (ledger.openRecords().stream().noneMatch(r -> r.nodeId().equals(nodeId))) nodes.remove(nodeId);
    }
}
