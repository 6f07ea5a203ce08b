package io.qwen4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.gateway.MoneyJson;
import io.qwen4j.store.Database;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** keys, ledger and serve's security default, on an SQLite store in a temporary directory. */
class PlatformCommandsTest {
    @TempDir
    Path dir;

    private record Run(int exitCode, String stdout, String stderr) {
        String lastLine() {
            String[] lines = stdout.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private static synchronized Run run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = new CommandLine(new Qwen4jCommand()).execute(args);
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private String db() {
        return "jdbc:sqlite:" + dir.resolve("q.db");
    }

    @Test
    void keysCreatePrintsTheSecretOnceOnTheLastLineAndListShowsTheKey() throws Exception {
        Run created = run("keys", "create", "--db", db(), "--name", "alice", "--credit", "10.00", "--models", "a,b",
                "--rpm", "60", "--tpm", "100000", "--expires", "2030-01-31");
        assertThat(created.exitCode()).as(created.stderr()).isZero();
        String secret = created.lastLine();
        assertThat(secret).matches("sk-[A-Za-z0-9_-]{43}"); // 256 random bits
        assertThat(created.stdout()).contains("'alice'").contains("balance 10.00 CNY");

        Run list = run("keys", "list", "--db", db(), "--json");
        assertThat(list.exitCode()).isZero();
        assertThat(list.stdout()).doesNotContain(secret);
        JsonNode keys = MoneyJson.mapper().readTree(list.stdout());
        assertThat(keys).hasSize(1);
        JsonNode k = keys.get(0);
        assertThat(k.path("id").asLong()).isEqualTo(1);
        assertThat(k.path("name").asText()).isEqualTo("alice");
        assertThat(k.path("balance").decimalValue()).isEqualByComparingTo("10.00");
        assertThat(k.path("currency").asText()).isEqualTo("CNY");
        assertThat(k.path("models")).extracting(JsonNode::asText).containsExactly("a", "b");
        assertThat(k.path("rpm").asInt()).isEqualTo(60);
        assertThat(k.path("tpm").asInt()).isEqualTo(100000);
        assertThat(k.path("expires").asText()).isEqualTo("2030-02-01T00:00:00Z");
        assertThat(k.path("revoked").asBoolean()).isFalse();

        Run topUp = run("keys", "top-up", "--db", db(), "alice", "2.5", "--note", "invoice 7");
        assertThat(topUp.exitCode()).isZero();
        assertThat(topUp.stdout()).contains("balance 12.50 CNY");
        Run revoke = run("keys", "revoke", "--db", db(), "1");
        assertThat(revoke.exitCode()).isZero();
        assertThat(revoke.stdout()).contains("REVOKED");
        assertThat(run("keys", "revoke", "--db", db(), "nobody").exitCode()).isNotZero();

        Run check = run("ledger", "check", "--db", db());
        assertThat(check.exitCode()).as(check.stdout()).isZero();
        assertThat(check.stdout()).contains("credits 12.50 - charges 0.00 = balance 12.50 CNY").contains("ledger OK");
    }

    @Test
    void ledgerCheckExitsNonZeroWhenABalanceDisagreesWithItsEntries() throws Exception {
        assertThat(run("keys", "create", "--db", db(), "--name", "bob", "--credit", "1").exitCode()).isZero();
        try (Database db = Database.open(db())) {
            db.write(c -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("UPDATE api_keys SET balance = balance + 5");
                }
            });
        }
        Run check = run("ledger", "check", "--db", db());
        assertThat(check.exitCode()).isEqualTo(1);
        assertThat(check.stdout()).contains("PROBLEM: key 1 (bob)").contains("INCONSISTENT");
        assertThat(run("ledger", "recover", "--db", db()).stdout()).contains("closed 0 requests");
    }

    @Test
    void serveRefusesAPublicAddressWhileTheStoreHasNoKeys() {
        Run r = run("serve", "--model", dir.resolve("never-loaded.gguf").toString(), "--host", "0.0.0.0", "--db", db());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("refusing to listen on 0.0.0.0").contains("--no-auth").contains("keys create");
        assertThat(ServeCommand.isLoopback("127.0.0.1")).isTrue();
        assertThat(ServeCommand.isLoopback("localhost")).isTrue();
        assertThat(ServeCommand.isLoopback("::1")).isTrue();
        assertThat(ServeCommand.isLoopback("0.0.0.0")).isFalse();
    }
}
