package io.qwen4j.gateway;

import io.qwen4j.store.Database;

/**
 * A server process for {@link CrashRecoveryTest}: serves /simulate on the store at args[0] and prints its port;
 * a "hang" request reserves, reports its progress, prints "STREAMING id" and waits to be killed.
 */
public final class CrashingServer {
    public static void main(String[] args) {
        Database db = Database.open(args[0]);
        TestServer server = TestServer.start(db, Gateway.Settings.defaults().withPrices(GatewayHttpTest.PRICES));
        System.out.println("PORT " + server.port());
        System.out.flush();
    }
}
