package io.qwen4j.cli;

import io.qwen4j.gateway.Gateway;
import io.qwen4j.gateway.PriceTable;
import io.qwen4j.local.LocalModel;
import io.qwen4j.store.Database;
import io.qwen4j.web.ApiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code qwen4j serve}: the OpenAI-compatible HTTP server over one local model. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve a GGUF model over the OpenAI-compatible HTTP API.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE.gguf", description = "The model's GGUF file.")
    Path model;

    @Option(names = "--chat-template", paramLabel = "FILE.jinja", description = "A chat template to use instead of the model's own.")
    Path chatTemplate;

    @Option(names = "--served-model-name", split = ",", paramLabel = "NAME",
            description = "The names the model answers to (default: the GGUF's general.name).")
    List<String> servedModelNames;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Mixin
    StoreOption store;

    @Option(names = "--no-auth", description = "Serve without API keys on any address: requests are recorded, never charged.")
    boolean noAuth;

    @Option(names = "--prices", paramLabel = "FILE.json",
            description = "Prices per 1,000 tokens per model (default: Qwen3-VL-32B-Instruct at ¥0.0045 in, ¥0.014 out).")
    Path prices;

    @Option(names = "--admin-key", paramLabel = "SECRET", defaultValue = "${env:QWEN4J_ADMIN_KEY}",
            description = "Opens the admin API (/admin/keys) to this bearer secret (default: $QWEN4J_ADMIN_KEY; none: off).")
    String adminKey;

    @Override
    public Integer call() throws Exception {
        PriceTable priceTable = prices == null ? PriceTable.defaults() : PriceTable.load(prices);
        Database db = store.open();
        boolean keysExist = new io.qwen4j.store.ApiKeyStore(db).any();
        if (!noAuth && !keysExist && !isLoopback(host)) {
            db.close();
            System.err.printf("qwen4j serve: refusing to listen on %s: the store (%s) has no API keys, so anyone who can reach"
                    + " this address could use the server for free.%nCreate a key first (qwen4j keys create --name NAME --credit AMOUNT"
                    + " --db %s), listen on 127.0.0.1, or pass --no-auth to serve without keys on purpose.%n", host, store.url(), store.url());
            return 2;
        }
        Gateway gateway = Gateway.open(db, Gateway.Settings.defaults().withPrices(priceTable).withNoAuth(noAuth).withAdminKey(adminKey));
        LocalModel loaded;
        try {
            loaded = LocalModel.load(model, chatTemplate, servedModelNames);
        } catch (Exception | Error e) {
            gateway.close();
            db.close();
            throw e;
        }
        for (String name : loaded.names()) {
            if (priceTable.of(name).isEmpty()) {
                System.err.printf("qwen4j: warning: '%s' has no price (see --prices); keyed requests for it are refused with 403%n", name);
            }
        }
        ApiServer server = new ApiServer(loaded, gateway).start(host, port);
        System.err.printf("qwen4j: serving %s as %s on http://%s:%d (store %s, %s)%n", model, loaded.names(), host, server.port(),
                store.url(), noAuth ? "no auth" : keysExist ? "API keys required" : "no keys yet: open on loopback only");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            gateway.close();
            db.close();
            loaded.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
