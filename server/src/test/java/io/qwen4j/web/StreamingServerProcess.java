package io.qwen4j.web;

import io.qwen4j.api.ModelCatalogue;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.gateway.Gateway;
import io.qwen4j.gateway.PriceTable;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.local.LocalBackend;
import io.qwen4j.local.LocalModel;
import io.qwen4j.store.Database;

import java.util.List;

/**
 * The real server in a process of its own, for {@link StreamCrashRecoveryTest}: the tiny model as "tiny" behind
 * the gateway on the store at args[0]; prints its port, then serves until it is killed.
 */
public final class StreamingServerProcess {
    static final PriceTable PRICES = PriceTable.parse("""
            {"currency": "CNY", "models": {"tiny": {"input": "0.0045", "cached_input": "0.0045", "output": "0.014"}}}""");

    public static void main(String[] args) throws Exception {
        Database db = Database.open(args[0]);
        LocalModel model = LocalModel.load(TestServer.testdata("models/qwen3vl-tiny-Q8_0.gguf"), null, List.of("tiny"));
        LocalBackend backend = LocalBackend.start(model, EngineConfig.builder(4096).parallel(4).maxQueued(8).kvStorage(PagedKvCache.Storage.F16).build(), 1);
        Gateway gateway = Gateway.open(db, Gateway.Settings.defaults().withPrices(PRICES));
        ApiServer server = new ApiServer(ModelCatalogue.of(backend), ApiServer.Options.defaults(), gateway).start("127.0.0.1", 0);
        System.out.println("PORT " + server.port());
        System.out.flush();
    }
}
