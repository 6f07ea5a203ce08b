package io.qwen4j.gateway;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed authentications per client address: each is logged (never the secret), and an address that failed
 * {@link #MAX_FAILURES} times within {@link #WINDOW} is refused (429) until its oldest failure leaves the window,
 * whatever it sends: guessing the admin key or API keys costs a minute per few tries. An admin-key attempt takes its
 * slot before the secret is compared ({@link #attempt}), so parallel guesses cannot all slip under the limit; an API
 * key is checked first and counted after ({@link #check}, {@link #failed}), so that a client's many concurrent
 * requests with its valid key never wait on slots (256 random bits are not guessed in any number of tries).
 */
final class AuthFailures {
    private static final Logger log = LoggerFactory.getLogger(AuthFailures.class);
    static final int MAX_FAILURES = 10;
    static final Duration WINDOW = Duration.ofMinutes(1);
    /** Addresses remembered at most; beyond, those whose window has emptied are forgotten first. */
    private static final int MAX_ADDRESSES = 100_000;

    private final InstantSource clock;
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    AuthFailures(InstantSource clock) {
        this.clock = clock;
    }

    /** One authentication about to be checked; {@link #failed} or {@link #succeeded} ends it. */
    final class Attempt {
        private final String client;
        private final Deque<Long> times;
        private final Long slot;

        private Attempt(String client, Deque<Long> times, Long slot) {
            this.client = client;
            this.times = times;
            this.slot = slot;
        }

        /** The secret was wrong: the slot stays, as a failure, and is logged ({@code what}: which secret). */
        void failed(String what) {
            int n;
            synchronized (times) {
                n = times.size();
            }
            log.warn("failed authentication from {}: {} ({} in the last minute)", client, what, n);
        }

        /** The secret was right: the slot is given back. */
        void succeeded() {
            synchronized (times) {
                times.removeFirstOccurrence(slot);
            }
        }
    }

    /** 429 while {@code client} has used up its failures. */
    void check(String client) {
        Deque<Long> times = failures.get(client);
        if (times == null) return;
        long retryMs;
        synchronized (times) {
            prune(times);
            if (times.size() < MAX_FAILURES) return;
            retryMs = times.peekFirst() + WINDOW.toMillis() - clock.millis();
        }
        throw throttled(retryMs);
    }

    /** Notes and logs one failure of {@code client} ({@code what}: which secret it got wrong). */
    void failed(String client, String what) {
        attempt(client).failed(what);
    }

    /** Takes a slot for one attempt of {@code client}; 429 while it has used up its failures. */
    Attempt attempt(String client) {
        if (failures.size() >= MAX_ADDRESSES) forgetIdle();
        Deque<Long> times = failures.computeIfAbsent(client, c -> new ArrayDeque<>());
        long retryMs;
        synchronized (times) {
            prune(times);
            if (times.size() < MAX_FAILURES) {
                Long slot = clock.millis();
                times.addLast(slot);
                return new Attempt(client, times, slot);
            }
            retryMs = times.peekFirst() + WINDOW.toMillis() - clock.millis();
        }
        throw throttled(retryMs);
    }

    private static io.qwen4j.api.ApiException throttled(long retryMs) {
        return Refusals.rateLimited("requests", "too many failed authentications from this address; retry in "
                + RateLimiter.duration(Math.max(retryMs, 1)));
    }

    /** Forgets the addresses with no failure in the window. */
    private void forgetIdle() {
        failures.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                prune(e.getValue());
                return e.getValue().isEmpty();
            }
        });
    }

    private void prune(Deque<Long> times) {
        long oldest = clock.millis() - WINDOW.toMillis();
        while (!times.isEmpty() && times.peekFirst() <= oldest) times.removeFirst();
    }
}
