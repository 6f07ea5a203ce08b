package io.qwen4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.qwen4j.gateway.ApiKeyJson;
import io.qwen4j.gateway.DateArgument;
import io.qwen4j.gateway.KeySecret;
import io.qwen4j.gateway.MoneyJson;
import io.qwen4j.gateway.PriceTable;
import io.qwen4j.store.ApiKey;
import io.qwen4j.store.ApiKeyStore;
import io.qwen4j.store.Database;
import io.qwen4j.store.Money;
import io.qwen4j.store.NewApiKey;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code qwen4j keys}: create, list, revoke and top up API keys in the store. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage API keys.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class, KeysCommand.TopUp.class})
final class KeysCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static String describe(ApiKey k) {
        return "key " + k.id() + " '" + k.name() + "' (" + k.prefix() + "…): balance " + Money.plain(k.balance()).toPlainString()
                + " " + k.currency() + (k.reserved().signum() != 0 ? " (" + Money.plain(k.reserved()).toPlainString() + " reserved)" : "")
                + ", models " + (k.models().isEmpty() ? "all" : String.join(",", k.models()))
                + ", rpm " + (k.rpm() == null ? "unlimited" : k.rpm())
                + ", tpm " + (k.tpm() == null ? "unlimited" : k.tpm())
                + ", expires " + (k.expiresAt() == null ? "never" : k.expiresAt())
                + (k.revoked() ? ", REVOKED " + k.revokedAt() : "");
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a key and print its secret, once, on the last line.")
    static final class Create implements Callable<Integer> {
        @Mixin StoreOption store;

        @Option(names = "--name", required = true, description = "A name to recognise the key by.")
        String name;

        @Option(names = "--credit", defaultValue = "0", paramLabel = "AMOUNT", description = "Initial balance (default: ${DEFAULT-VALUE}).")
        BigDecimal credit;

        @Option(names = "--currency", defaultValue = PriceTable.DEFAULT_CURRENCY, description = "The balance's currency (default: ${DEFAULT-VALUE}).")
        String currency;

        @Option(names = "--models", split = ",", paramLabel = "MODEL", description = "Models the key may use (default: all).")
        List<String> models;

        @Option(names = "--rpm", description = "Requests per minute (default: unlimited).")
        Integer rpm;

        @Option(names = "--tpm", description = "Tokens per minute, prompt + max_tokens (default: unlimited).")
        Integer tpm;

        @Option(names = "--expires", paramLabel = "DATE", description = "Last valid day (yyyy-mm-dd, UTC) or an ISO date-time.")
        String expires;

        @Override
        public Integer call() {
            NewApiKey spec = new NewApiKey(name, credit, currency, models, rpm, tpm, expires == null ? null : DateArgument.parse(expires));
            KeySecret secret = KeySecret.generate();
            try (Database db = store.open()) {
                ApiKey key = new ApiKeyStore(db).create(spec, secret.hash(), secret.prefix(), Instant.now());
                System.out.println("Created " + describe(key));
                System.out.println("The secret is shown only this once; keep it safe:");
                System.out.println(secret.secret());
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the keys.")
    static final class ListKeys implements Callable<Integer> {
        @Mixin StoreOption store;

        @Option(names = "--json", description = "Print a JSON array: {id, name, prefix, balance, reserved, currency, models,"
                + " rpm, tpm, expires, revoked, created}.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (Database db = store.open()) {
                List<ApiKey> keys = new ApiKeyStore(db).list();
                if (json) {
                    ObjectMapper mapper = MoneyJson.mapper().enable(SerializationFeature.INDENT_OUTPUT);
                    ArrayNode out = mapper.createArrayNode();
                    keys.forEach(k -> out.add(ApiKeyJson.of(mapper, k)));
                    System.out.println(mapper.writeValueAsString(out));
                } else if (keys.isEmpty()) {
                    System.out.println("No keys. Create one with: qwen4j keys create --name NAME --credit AMOUNT");
                } else {
                    keys.forEach(k -> System.out.println(describe(k)));
                }
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key for good.")
    static final class Revoke implements Callable<Integer> {
        @Mixin StoreOption store;

        @Parameters(paramLabel = "KEY", description = "The key's id or name.")
        String key;

        @Override
        public Integer call() {
            try (Database db = store.open()) {
                ApiKeyStore keys = new ApiKeyStore(db);
                System.out.println("Revoked " + describe(keys.revoke(keys.resolve(key).id(), Instant.now())));
            }
            return 0;
        }
    }

    @Command(name = "top-up", mixinStandardHelpOptions = true, description = "Add credit to a key.")
    static final class TopUp implements Callable<Integer> {
        @Mixin StoreOption store;

        @Parameters(index = "0", paramLabel = "KEY", description = "The key's id or name.")
        String key;

        @Parameters(index = "1", paramLabel = "AMOUNT", description = "The credit to add, e.g. 10.00.")
        BigDecimal amount;

        @Option(names = "--note", description = "Recorded with the ledger entry.")
        String note;

        @Override
        public Integer call() {
            try (Database db = store.open()) {
                ApiKeyStore keys = new ApiKeyStore(db);
                System.out.println("Topped up " + describe(keys.topUp(keys.resolve(key).id(), amount, note, Instant.now())));
            }
            return 0;
        }
    }
}
