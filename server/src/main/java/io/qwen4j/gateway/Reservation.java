package io.qwen4j.gateway;

import io.qwen4j.api.Usage;
import io.qwen4j.store.Closing;
import io.qwen4j.store.UsageLedger;
import io.qwen4j.store.UsageStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Credit held for one request: opened by {@link RequestAccount#reserve} with the worst case, ended exactly
 * once by {@link #settle} (success), {@link #abort} (the client went away), {@link #fail} (an error), or
 * {@link #close} (whichever of those did not happen: a failure with the last {@link #progress}).
 *
 * <p>What is charged: a successful request pays its whole usage. An aborted or failed one pays the prompt and
 * the completion tokens produced so far, and nothing at all if it produced no completion token (the client
 * got nothing). The unused rest of the hold is released in the same transaction.
 *
 * <p>{@link #progress} is cheap to call on every token: it persists the usage so far at most once a second,
 * which is what recovery bills if the process dies mid-stream.
 */
public final class Reservation implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reservation.class);
    private static final long PERSIST_EVERY_NANOS = 1_000_000_000L;

    private final RequestAccount account;
    private final UsageLedger ledger; // null: unmetered
    private final long recordId;
    private final String model;
    private final Price price;
    private final BigDecimal hold;
    private final RateLimiter.Grant tokens;
    private final InstantSource clock;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Usage soFar;
    private long persistedAtNanos;
    private boolean persistedOnce;
    private volatile BigDecimal cost;

    Reservation(RequestAccount account, UsageLedger ledger, long recordId, String model, Price price, BigDecimal hold,
                int promptTokens, RateLimiter.Grant tokens, InstantSource clock) {
        this.account = account;
        this.ledger = ledger;
        this.recordId = recordId;
        this.model = model;
        this.price = price;
        this.hold = hold;
        this.tokens = tokens;
        this.clock = clock;
        this.soFar = Usage.of(promptTokens, 0);
    }

    public String requestId() {
        return account.requestId();
    }

    public String model() {
        return model;
    }

    /** The credit held for the worst case. */
    public BigDecimal hold() {
        return hold;
    }

    /** The cost charged, once ended (null before). */
    public BigDecimal cost() {
        return cost;
    }

    public boolean ended() {
        return ended.get();
    }

    /** Reports the usage so far (prompt, cached, completion tokens produced up to now). */
    public void progress(Usage usage) {
        soFar = usage;
        if (ledger == null || usage.completionTokens() == 0 || ended.get()) return;
        long now = System.nanoTime();
        synchronized (this) {
            if (persistedOnce && now - persistedAtNanos < PERSIST_EVERY_NANOS) return;
            persistedOnce = true;
            persistedAtNanos = now;
        }
        try {
            ledger.progress(recordId, usage.promptTokens(), usage.cachedTokens(), usage.completionTokens());
        } catch (RuntimeException e) {
            log.warn("could not record the progress of request {}: {}", requestId(), e.toString());
        }
    }

    /**
     * {@code tokens} more completion tokens have reached the client: the progress a crash must not lose (the
     * prompt counted whole, its cached part unknown until the end).
     */
    public void delivered(int tokens) {
        Usage before = soFar;
        progress(new Usage(before.promptTokens(), before.cachedTokens(), before.completionTokens() + tokens));
    }

    /** The request succeeded with {@code usage}: charges all of it. @return the cost charged */
    public BigDecimal settle(Usage usage) {
        return end(UsageStatus.OK, usage, null);
    }

    /** The client went away: charges the tokens produced, nothing if none. @return the cost charged */
    public BigDecimal abort(Usage produced) {
        return end(UsageStatus.ABORTED, produced, "client disconnected");
    }

    /** The request failed: charges the tokens produced, nothing if none. @return the cost charged */
    public BigDecimal fail(Usage produced, String error) {
        return end(UsageStatus.ERROR, produced, error == null ? "error" : error);
    }

    /** Ends the reservation as failed with the last reported progress, unless it has already ended. */
    @Override
    public void close() {
        if (!ended.get()) fail(soFar, "the request ended without settling its reservation");
    }

    private BigDecimal end(UsageStatus status, Usage usage, String error) {
        if (!ended.compareAndSet(false, true)) {
            throw new IllegalStateException("reservation of request " + requestId() + " has already ended");
        }
        // Anonymous requests (no auth) are recorded with their tokens but cost nothing: nobody is charged.
        BigDecimal charged = chargeable(status, usage) && account.key().isPresent()
                ? price.cost(usage) : BigDecimal.ZERO.setScale(io.qwen4j.store.Money.SCALE);
        long latencyMs = (System.nanoTime() - account.startedAtNanos()) / 1_000_000;
        account.ended(this, tokens, usage);
        if (ledger != null) {
            Closing closing = new Closing(status, usage.promptTokens(), usage.cachedTokens(), usage.completionTokens(),
                    charged, clock.instant(), latencyMs, error);
            try {
                ledger.close(recordId, closing);
            } catch (RuntimeException e) {
                // The store is unreachable: the charge is kept and retried on every heartbeat until it lands.
                log.error("could not settle request {} now; will retry: {}", requestId(), e.toString());
                account.gateway().closeLater(recordId, closing);
            }
        }
        cost = charged;
        return charged;
    }

    /** Success pays its usage; an abort or failure pays only if it produced completion tokens. */
    static boolean chargeable(UsageStatus status, Usage usage) {
        return status == UsageStatus.OK || usage.completionTokens() > 0;
    }
}
