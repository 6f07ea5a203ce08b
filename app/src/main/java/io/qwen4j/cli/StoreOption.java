package io.qwen4j.cli;

import io.qwen4j.store.Database;
import picocli.CommandLine.Option;

/** {@code --db JDBC-URL}, shared by serve, keys and ledger: they must all agree on the store. */
final class StoreOption {
    @Option(names = "--db", paramLabel = "JDBC-URL",
            description = "The store: jdbc:sqlite:FILE or jdbc:postgresql://HOST/DB?user=…"
                    + " (default: qwen4j.db in $QWEN4J_HOME, else $XDG_DATA_HOME/qwen4j, else ~/.local/share/qwen4j).")
    String url;

    Database open() {
        return Database.open(url());
    }

    String url() {
        return url != null && !url.isBlank() ? url : Database.defaultUrl();
    }
}
