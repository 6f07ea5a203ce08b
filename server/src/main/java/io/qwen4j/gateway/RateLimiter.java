package io.qwen4j.gateway;

import java.math.BigDecimal;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-key requests and tokens per minute, as sliding-window logs: a request (or a number of tokens) is
 * admitted only if, with it, the last 60 seconds hold at most the limit. Each key's window is one monitor, so
 * admission is exact under any concurrency: N parallel clients against a limit of L get exactly L admissions.
 *
 * <p>Tokens are admitted at the worst case (prompt + max_tokens, as OpenAI counts them) and corrected to the
 * tokens actually processed when the request ends. The windows live in this process: several qwen4j nodes
 * sharing one store each enforce the full limit, so a fleet would need the counters in the store (or Redis).
 */
public final class RateLimiter {
    static final long WINDOW_MS = 60_000;

    private final InstantSource clock;
    private final Map<Long, Window> windows = new ConcurrentHashMap<>();

    public RateLimiter(InstantSource clock) {
        this.clock = clock;
    }

    /** The outcome of an admission: how long to wait when refused, and the state to report in headers. */
    public record Decision(boolean admitted, long retryAfterMs, Status status, Grant grant) {
    }

    /** Limits, remaining capacity and time until the window is empty again; null limits are not reported. */
    public record Status(Integer requestLimit, long requestsRemaining, long requestsResetMs,
                         Integer tokenLimit, long tokensRemaining, long tokensResetMs) {
    }

    /** Tokens admitted for one request, corrected by {@link #correct} when the request ends. */
    public static final class Grant {
        private final long at;
        private long tokens;

        private Grant(long at, long tokens) {
            this.at = at;
            this.tokens = tokens;
        }
    }

    /** Admits one request against {@code rpm} (null: unlimited). */
    public Decision admitRequest(long keyId, Integer rpm, Integer tpm) {
        return window(keyId).admitRequest(clock.millis(), rpm, tpm);
    }

    /** Admits {@code tokens} against {@code tpm} (null: unlimited; the grant is then still tracked). */
    public Decision admitTokens(long keyId, Integer rpm, Integer tpm, long tokens) {
        return window(keyId).admitTokens(clock.millis(), rpm, tpm, tokens);
    }

    /** Replaces a grant's worst case by the tokens the request really used. */
    public void correct(long keyId, Grant grant, long actualTokens) {
        if (grant != null) window(keyId).correct(clock.millis(), grant, actualTokens);
    }

    public Status status(long keyId, Integer rpm, Integer tpm) {
        return window(keyId).status(clock.millis(), rpm, tpm);
    }

    private Window window(long keyId) {
        return windows.computeIfAbsent(keyId, k -> new Window());
    }

    /** OpenAI's duration format for the reset headers: "20ms", "1.5s", "59s". */
    public static String duration(long ms) {
        if (ms < 1000) return ms + "ms";
        return BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + "s";
    }

    private static final class Window {
        private final ArrayDeque<Long> requests = new ArrayDeque<>();
        private final ArrayDeque<Grant> grants = new ArrayDeque<>();
        private long tokens;

        synchronized Decision admitRequest(long now, Integer rpm, Integer tpm) {
            expire(now);
            if (rpm != null && requests.size() >= rpm) {
                // The request fits once (size − rpm + 1) entries have left the window.
                Iterator<Long> it = requests.iterator();
                long at = 0;
                for (int i = 0; i <= requests.size() - rpm; i++) at = it.next();
                return new Decision(false, at + WINDOW_MS - now, status(now, rpm, tpm), null);
            }
            requests.addLast(now);
            return new Decision(true, 0, status(now, rpm, tpm), null);
        }

        synchronized Decision admitTokens(long now, Integer rpm, Integer tpm, long wanted) {
            expire(now);
            if (tpm != null && tokens + wanted > tpm) {
                long freed = 0, wait = WINDOW_MS;
                for (Grant g : grants) {
                    freed += g.tokens;
                    if (tokens - freed + wanted <= tpm) {
                        wait = g.at + WINDOW_MS - now;
                        break;
                    }
                }
                return new Decision(false, wait, status(now, rpm, tpm), null);
            }
            Grant grant = new Grant(now, wanted);
            grants.addLast(grant);
            tokens += wanted;
            return new Decision(true, 0, status(now, rpm, tpm), grant);
        }

        synchronized void correct(long now, Grant grant, long actual) {
            expire(now);
            if (grants.contains(grant)) tokens += actual - grant.tokens;
            grant.tokens = actual;
        }

        synchronized Status status(long now, Integer rpm, Integer tpm) {
            expire(now);
            long requestsReset = requests.isEmpty() ? 0 : requests.peekLast() + WINDOW_MS - now;
            long tokensReset = grants.isEmpty() ? 0 : grants.peekLast().at + WINDOW_MS - now;
            return new Status(rpm, rpm == null ? 0 : Math.max(0, rpm - requests.size()), requestsReset,
                    tpm, tpm == null ? 0 : Math.max(0, tpm - tokens), tokensReset);
        }

        private void expire(long now) {
            while (!requests.isEmpty() && requests.peekFirst() + WINDOW_MS <= now) requests.removeFirst();
            while (!grants.isEmpty() && grants.peekFirst().at + WINDOW_MS <= now) tokens -= grants.removeFirst().tokens;
        }
    }
}
