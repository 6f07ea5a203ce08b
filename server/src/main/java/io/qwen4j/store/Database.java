package io.qwen4j.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The store's JDBC connection pool with the schema migrated to the newest version (Flyway).
 *
 * <p>SQLite (the default: one file, WAL mode, {@code synchronous=FULL} so a committed charge survives a power
 * loss) allows one writer at a time. Writes from this process are serialised by a lock, and each write
 * transaction starts with {@code BEGIN IMMEDIATE}, so it holds the file's write lock from its first statement
 * and never fails half-way on a lock upgrade; other processes (the {@code keys} CLI beside a running server)
 * wait up to the busy timeout. PostgreSQL needs none of this: its row locks serialise the conditional
 * balance updates the ledger relies on, at READ COMMITTED.
 */
public final class Database implements AutoCloseable {
    /** How long a writer waits for another process's write lock on an SQLite file. */
    static final int SQLITE_BUSY_TIMEOUT_MS = 30_000;

    public enum Dialect { SQLITE, POSTGRESQL }

    /** Work on one connection; runs inside a transaction for {@link #write}. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final HikariDataSource pool;
    private final Dialect dialect;
    private final String url;
    private final ReentrantLock sqliteWriter = new ReentrantLock(true);

    private Database(String url, Dialect dialect, HikariDataSource pool) {
        this.url = url;
        this.dialect = dialect;
        this.pool = pool;
    }

    /** Opens (creating an SQLite file and its directory if needed) and migrates the store at a JDBC URL. */
    public static Database open(String url) {
        Dialect dialect;
        if (url.startsWith("jdbc:sqlite:")) dialect = Dialect.SQLITE;
        else if (url.startsWith("jdbc:postgresql:")) dialect = Dialect.POSTGRESQL;
        else throw new IllegalArgumentException("unsupported store URL (expected jdbc:sqlite:FILE or jdbc:postgresql://…): " + url);

        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setPoolName("qwen4j-store");
        if (dialect == Dialect.SQLITE) {
            createParentDirectory(url.substring("jdbc:sqlite:".length()));
            config.addDataSourceProperty("journal_mode", "WAL");
            config.addDataSourceProperty("synchronous", "FULL");
            config.addDataSourceProperty("busy_timeout", String.valueOf(SQLITE_BUSY_TIMEOUT_MS));
            config.addDataSourceProperty("foreign_keys", "true");
            config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
            config.setMaximumPoolSize(8);
        } else {
            config.setMaximumPoolSize(16);
        }
        config.setMinimumIdle(1);
        config.setConnectionTimeout(30_000);
        HikariDataSource pool = new HikariDataSource(config);
        try {
            Flyway.configure()
                    .loggers("slf4j")
                    .dataSource(pool)
                    .locations("classpath:db/migration/" + dialect.name().toLowerCase(java.util.Locale.ROOT))
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new Database(url, dialect, pool);
    }

    /** The default store: {@code qwen4j.db} (SQLite) in the data directory. */
    public static String defaultUrl() {
        return "jdbc:sqlite:" + dataDirectory().resolve("qwen4j.db");
    }

    /** {@code $QWEN4J_HOME}, else {@code $XDG_DATA_HOME/qwen4j}, else {@code ~/.local/share/qwen4j}. */
    public static Path dataDirectory() {
        String home = System.getenv("QWEN4J_HOME");
        if (home != null && !home.isBlank()) return Path.of(home);
        String xdg = System.getenv("XDG_DATA_HOME");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "qwen4j");
        return Path.of(System.getProperty("user.home"), ".local", "share", "qwen4j");
    }

    private static void createParentDirectory(String file) {
        int query = file.indexOf('?');
        String path = query < 0 ? file : file.substring(0, query);
        if (path.isEmpty() || path.startsWith(":memory:") || path.startsWith("file:")) return;
        Path parent = Path.of(path).toAbsolutePath().getParent();
        try {
            if (parent != null) Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the store's directory " + parent, e);
        }
    }

    public Dialect dialect() {
        return dialect;
    }

    public String url() {
        return url;
    }

    /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
    public <T> T write(Work<T> work) {
        boolean sqlite = dialect == Dialect.SQLITE;
        if (sqlite) sqliteWriter.lock();
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        } finally {
            if (sqlite) sqliteWriter.unlock();
        }
    }

    /**
     * Runs read-only {@code work} on one consistent snapshot: REPEATABLE READ on PostgreSQL, a transaction
     * holding the write lock on SQLite (brief: used by the ledger check, not on the request path).
     */
    public <T> T snapshot(Work<T> work) {
        if (dialect == Dialect.SQLITE) return write(work);
        try (Connection c = pool.getConnection()) {
            int isolation = c.getTransactionIsolation();
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            try {
                return work.run(c);
            } finally {
                c.rollback();
                c.setReadOnly(false);
                c.setTransactionIsolation(isolation);
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** Runs {@code work} on a connection in auto-commit mode (each statement sees committed data). */
    public <T> T read(Work<T> work) {
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
