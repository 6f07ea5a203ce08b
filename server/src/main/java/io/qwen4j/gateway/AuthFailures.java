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
 * whatever it sends: guessing the admin key or API keys costs a minute per few tries.
 */
final class AuthFailures {
    private static final Logger log = LoggerFactory.getLogger(AuthFailures.class);
    static final int MAX_FAILURES = 10;
    static final Duration WINDOW = Duration.ofMinutes(1);
    /** Addresses remembered at most; beyond, the oldest entries are forgotten (a spray of addresses cannot fill memory). */
    private static final int MAX_ADDRESSES = 100_000;

    private final InstantSource clock;
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    AuthFailures(InstantSource clock) {
        this.clock = clock;
    }

    /** 429 while {@code client} is throttled. */
    void check(String client) {
        Deque<Long> times = failures.get(client);
        if (times == null) return;
        long retryMs;
        synchronized (times) {
            prune(times);
            if (times.size() < MAX_FAILURES) return;
            retryMs = times.peekFirst() + WINDOW.toMillis() - clock.millis();
        }
        throw Refusals.rateLimited("requests", "too many failed authentications from this address; retry in "
                + RateLimiter.duration(Math.max(retryMs, 1)));
    }

    /** Notes and logs one failure of {@code client} ({@code what}: which secret it got wrong). */
    void failed(String client, String what) {
        if (failures.size() >= MAX_ADDRESSES) failures.clear();
        Deque<Long> times = failures.computeIfAbsent(client, c -> new ArrayDeque<>());
        int n;
        synchronized (times) {
            prune(times);
            times.addLast(clock.millis());
            n = times.size();
        }
        log.warn("failed authentication from {}: {} ({} in the last minute)", client, what, n);
    }

    private void prune(Deque<Long> times) {
        long oldest = clock.millis() - WINDOW.toMillis();
        while (!times.isEmpty() && times.peekFirst() <= oldest) times.removeFirst();
    }
}
