package io.qwen4j.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.qwen4j.api.ApiException;
import io.qwen4j.api.ErrorBody;
import io.qwen4j.api.Usage;
import io.qwen4j.store.Database;
import io.qwen4j.web.GatewayRoutes;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * An HTTP server with the gateway installed exactly as ApiServer does it ({@link GatewayRoutes}), and a {@code /simulate} endpoint that
 * plays a generating endpoint through the seam (the real ones live on the API branch):
 * {@code {"model", "prompt", "cached", "completion", "max_tokens", "outcome": ok|abort|fail|throw|hang}}.
 * {@code GET /whoami} is a non-generating endpoint (like /tokenize): auth and requests-per-minute only.
 */
final class TestServer implements AutoCloseable {
    static final ObjectMapper JSON = MoneyJson.mapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final Gateway gateway;
    final Javalin app;
    /** When set, /simulate waits on it after reserving: holds stay in flight until the test opens it. */
    volatile CountDownLatch gate;

    TestServer(Gateway gateway) {
        this.gateway = gateway;
        this.app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.startup.showJavalinBanner = false;
            GatewayRoutes.install(config, gateway);
            config.routes.post("/simulate", ctx -> {
                JsonNode b = JSON.readTree(ctx.body());
                int prompt = b.path("prompt").asInt(), completion = b.path("completion").asInt();
                Usage usage = new Usage(prompt, b.path("cached").asInt(), completion);
                ObjectNode out = JSON.createObjectNode();
                try (Reservation r = GatewayRoutes.reserve(ctx, b.path("model").asText(), prompt, b.path("max_tokens").asInt())) {
                    CountDownLatch g = gate;
                    if (g != null) g.await();
                    BigDecimal cost = switch (b.path("outcome").asText("ok")) {
                        case "ok" -> r.settle(usage);
                        case "abort" -> r.abort(usage);
                        case "fail" -> r.fail(usage, "simulated failure");
                        case "throw" -> {
                            r.progress(usage);
                            throw new IllegalStateException("simulated crash of the endpoint");
                        }
                        case "hang" -> {
                            r.progress(usage);
                            System.out.println("STREAMING " + r.requestId());
                            System.out.flush();
                            Thread.sleep(Long.MAX_VALUE);
                            throw new AssertionError();
                        }
                        default -> throw new IllegalArgumentException("outcome?");
                    };
                    out.put("request_id", r.requestId()).put("cost", cost);
                }
                ctx.contentType("application/json").result(JSON.writeValueAsString(out));
            });
            config.routes.get("/whoami", ctx -> ctx.result(GatewayRoutes.account(ctx).key().map(k -> k.name()).orElse("anonymous")));
            config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e));
            config.routes.exception(Exception.class, (e, ctx) ->
                    error(ctx, new ApiException(500, "server_error", null, null, "internal error: " + e)));
        });
    }

    private static void error(io.javalin.http.Context ctx, ApiException e) {
        try {
            ctx.status(e.status()).contentType("application/json").result(JSON.writeValueAsString(ErrorBody.of(JSON, e)));
        } catch (Exception impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    static TestServer start(Database db, Gateway.Settings settings) {
        TestServer s = new TestServer(Gateway.open(db, settings));
        s.app.start("127.0.0.1", 0);
        return s;
    }

    int port() {
        return app.port();
    }

    record Reply(int status, JsonNode body, HttpResponse<String> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        String errorCode() {
            return body.path("error").path("code").asText(null);
        }
    }

    CompletableFuture<Reply> sendAsync(String method, String path, String key, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            JsonNode node;
            try {
                node = r.body().startsWith("{") ? JSON.readTree(r.body()) : JSON.createObjectNode().put("text", r.body());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return new Reply(r.statusCode(), node, r);
        });
    }

    Reply send(String method, String path, String key, String body) throws Exception {
        return sendAsync(method, path, key, body).get();
    }

    static String simulate(String model, int prompt, int cached, int completion, int maxTokens, String outcome) {
        return JSON.createObjectNode().put("model", model).put("prompt", prompt).put("cached", cached).put("completion", completion)
                .put("max_tokens", maxTokens).put("outcome", outcome).toString();
    }

    @Override
    public void close() {
        app.stop();
        gateway.close();
    }
}
