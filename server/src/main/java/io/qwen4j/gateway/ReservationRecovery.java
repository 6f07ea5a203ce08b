package io.qwen4j.gateway;

import io.qwen4j.api.Usage;
import io.qwen4j.store.Closing;
import io.qwen4j.store.Node;
import io.qwen4j.store.NodeRegistry;
import io.qwen4j.store.OpenRecord;
import io.qwen4j.store.UsageLedger;
import io.qwen4j.store.UsageStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Closes the usage records that a dead process left open (kill -9, power loss mid-stream).
 *
 * <p>Decision: such a record is closed as {@code interrupted} and charged exactly what its last persisted
 * progress shows, at the prices it started with, if that includes completion tokens (the client received
 * them); a request that had produced nothing is released and costs nothing. Its hold is released either
 * way. Progress is persisted at most once a second, so a crash can under-charge at most the last second of
 * a stream, never over-charge.
 *
 * <p>A node is dead when its heartbeat is older than {@code staleAfter}, or, on this host, when its process
 * is gone (or its pid now belongs to a younger process): a restart after kill -9 on the same machine
 * recovers at once; another machine's requests only after the heartbeat went stale. Records whose node is
 * not registered at all are treated as dead.
 */
public final class ReservationRecovery {
    private static final Logger log = LoggerFactory.getLogger(ReservationRecovery.class);
    static final String HOST = hostName();

    /** Records closed, of which charged, and the total charged. */
    public record Result(int closed, int charged, BigDecimal amount) {
    }

    private final UsageLedger ledger;
    private final NodeRegistry nodes;
    private final InstantSource clock;
    private final Duration staleAfter;
    private final String self; // this process's node id; null when run from the CLI

    public ReservationRecovery(UsageLedger ledger, NodeRegistry nodes, InstantSource clock, Duration staleAfter, String self) {
        this.ledger = ledger;
        this.nodes = nodes;
        this.clock = clock;
        this.staleAfter = staleAfter;
        this.self = self;
    }

    public synchronized Result run() {
        Instant now = clock.instant();
        List<Node> registered = nodes.list();
        Set<String> alive = new HashSet<>();
        for (Node n : registered) {
            if (n.id().equals(self) || isAlive(n, now)) alive.add(n.id());
        }
        int closed = 0, charged = 0;
        BigDecimal amount = BigDecimal.ZERO;
        for (OpenRecord r : ledger.openRecords()) {
            if (alive.contains(r.nodeId())) continue;
            Usage usage = new Usage(r.promptTokens(), Math.min(r.cachedTokens(), r.promptTokens()), r.completionTokens());
            Price price = new Price(r.model(), "", r.priceInput(), r.priceCached(), r.priceOutput());
            BigDecimal cost = Reservation.chargeable(UsageStatus.INTERRUPTED, usage) && r.keyId() != null
                    ? price.cost(usage) : BigDecimal.ZERO;
            long latency = Math.max(0, now.toEpochMilli() - r.startedAt().toEpochMilli());
            if (ledger.close(r.id(), new Closing(UsageStatus.INTERRUPTED, usage.promptTokens(), usage.cachedTokens(),
                    usage.completionTokens(), cost, now, latency, "the serving process " + r.nodeId() + " died"))) {
                closed++;
                if (cost.signum() > 0) {
                    charged++;
                    amount = amount.add(cost);
                }
            }
        }
        for (Node n : registered) {
            if (!alive.contains(n.id())) nodes.remove(n.id());
        }
        if (closed > 0) log.warn("closed {} requests of dead processes; {} charged {} for tokens produced before the crash",
                closed, charged, amount.toPlainString());
        return new Result(closed, charged, amount);
    }

    private boolean isAlive(Node n, Instant now) {
        if (n.heartbeatAt().plus(staleAfter).isBefore(now)) return false;
        if (!n.host().equals(HOST)) return true;
        return ProcessHandle.of(n.pid())
                .filter(ProcessHandle::isAlive)
                .map(p -> p.info().startInstant().map(start -> !start.isAfter(n.startedAt())).orElse(true))
                .orElse(false);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }
}
