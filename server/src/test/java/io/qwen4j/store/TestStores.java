package io.qwen4j.store;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The stores the ledger tests run on: a fresh SQLite file, and a fresh schema in the PostgreSQL named by
 * {@code QWEN4J_TEST_PG_URL} (.ci/run always sets it; the PostgreSQL cases are skipped only without it).
 */
public final class TestStores {
    public static final String PG_ENV = "QWEN4J_TEST_PG_URL";

    private TestStores() {
    }

    /** For {@code @MethodSource}: the dialects to run a parameterised test on. */
    public static Stream<String> dialects() {
        return Stream.of("sqlite", "postgresql");
    }

    /** A JDBC URL of an empty store of that dialect. */
    public static String freshUrl(String dialect) throws Exception {
        if (dialect.equals("sqlite")) {
            Path dir = Files.createTempDirectory("qwen4j-store");
            dir.toFile().deleteOnExit();
            return "jdbc:sqlite:" + dir.resolve("test.db");
        }
        String base = System.getenv(PG_ENV);
        Assumptions.assumeTrue(base != null && !base.isBlank(), PG_ENV + " is not set: no PostgreSQL to test on");
        String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        return base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    public static Database open(String dialect) throws Exception {
        return Database.open(freshUrl(dialect));
    }
}
