package io.qwen4j.cli;

import io.qwen4j.gateway.ReservationRecovery;
import io.qwen4j.store.Database;
import io.qwen4j.store.LedgerReport;
import io.qwen4j.store.Money;
import io.qwen4j.store.NodeRegistry;
import io.qwen4j.store.UsageLedger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Callable;

/** {@code qwen4j ledger}: verify the ledger, recover requests of dead servers. */
@Command(name = "ledger", mixinStandardHelpOptions = true, description = "Check the usage ledger.",
        subcommands = {LedgerCommand.Check.class, LedgerCommand.Recover.class})
final class LedgerCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Verify that every balance equals credits minus charges and every hold belongs to a request in flight;"
                    + " exits 1 if not.")
    static final class Check implements Callable<Integer> {
        @Mixin StoreOption store;

        @Override
        public Integer call() {
            try (Database db = store.open()) {
                LedgerReport report = new UsageLedger(db).check();
                for (LedgerReport.KeyLine k : report.keys()) {
                    System.out.printf("key %d '%s': credits %s - charges %s = balance %s %s%s%n", k.id(), k.name(),
                            Money.plain(k.credits()).toPlainString(), Money.plain(k.charges()).toPlainString(),
                            Money.plain(k.balance()).toPlainString(), k.currency(),
                            k.openRequests() == 0 ? "" : " (" + Money.plain(k.reserved()).toPlainString() + " held by "
                                    + k.openRequests() + " requests in flight)");
                }
                report.problems().forEach(p -> System.out.println("PROBLEM: " + p));
                System.out.println(report.clean()
                        ? "ledger OK: " + report.keys().size() + " keys, " + report.openRequests() + " requests in flight"
                        : "ledger INCONSISTENT: " + report.problems().size() + " problems");
                return report.clean() ? 0 : 1;
            }
        }
    }

    @Command(name = "recover", mixinStandardHelpOptions = true,
            description = "Close the requests of dead servers now: charge the tokens they recorded producing, release the rest"
                    + " (a server does this itself at start-up).")
    static final class Recover implements Callable<Integer> {
        @Mixin StoreOption store;

        @Option(names = "--stale-after", defaultValue = "60", paramLabel = "SECONDS",
                description = "A server whose heartbeat is older than this is dead (default: ${DEFAULT-VALUE}).")
        long staleAfterSeconds;

        @Override
        public Integer call() {
            try (Database db = store.open()) {
                ReservationRecovery.Result r = new ReservationRecovery(new UsageLedger(db), new NodeRegistry(db), InstantSource.system(),
                        Duration.ofSeconds(staleAfterSeconds), null).run();
                System.out.println("closed " + r.closed() + " requests of dead servers; " + r.charged() + " charged, "
                        + Money.plain(r.amount()).toPlainString() + " in all");
            }
            return 0;
        }
    }
}
