package io.qwen4j.web;

import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import io.qwen4j.api.ApiException;
import io.qwen4j.api.ChatBackend;
import io.qwen4j.api.ModelCatalogue;
import io.qwen4j.api.UsageSink;
import io.qwen4j.gateway.Gateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * The HTTP service over a {@link ModelCatalogue}: each request is parsed and validated (in {@code io.qwen4j.api}),
 * routed by its {@code model} to the backend serving it, checked against that model's capabilities, and the
 * backend's events are written as one JSON answer or as server-sent events ({@link GenerationResponder}). Every
 * failure leaves as an OpenAI-shaped error with a 4xx status for the caller's mistakes; a 500 only for our own.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    /**
     * @param lenient         ignore request parameters no API defines instead of refusing them
     * @param maxRequestBytes larger bodies get a 413 before they are read
     * @param keepAliveMillis an SSE comment is sent after this long without an event (prompt processing, queueing)
     * @param usage           hears every generation's usage at its end (billing, rate limits)
     * @param corsOrigins     the browser origins ({@code https://console.example}) answered with CORS headers; no
     *                        other origin gets any
     */
    public record Options(boolean lenient, long maxRequestBytes, long keepAliveMillis, UsageSink usage, Set<String> corsOrigins) {
        public Options {
            corsOrigins = Set.copyOf(corsOrigins);
        }

        public static Options defaults() {
            return new Options(false, 64L << 20, 5_000, UsageSink.NONE, Set.of());
        }

        public Options withLenient(boolean b) {
            return new Options(b, maxRequestBytes, keepAliveMillis, usage, corsOrigins);
        }

        public Options withMaxRequestBytes(long n) {
            return new Options(lenient, n, keepAliveMillis, usage, corsOrigins);
        }

        public Options withKeepAliveMillis(long n) {
            return new Options(lenient, maxRequestBytes, n, usage, corsOrigins);
        }

        public Options withUsage(UsageSink sink) {
            return new Options(lenient, maxRequestBytes, keepAliveMillis, sink, corsOrigins);
        }

        public Options withCorsOrigins(Set<String> origins) {
            return new Options(lenient, maxRequestBytes, keepAliveMillis, usage, origins);
        }
    }

    private final Options options;
    private final Gateway gateway;
    private final HttpJson json = new HttpJson();
    private final BrowserGuard browserGuard;
    private final Javalin app;

    /** One backend's models, without keys, billing or limits (every request anonymous, nothing recorded). */
    public ApiServer(ChatBackend backend, Options options) {
        this(ModelCatalogue.of(backend), options, Gateway.unmetered());
    }

    /**
     * A server for the catalogue's models whose requests pass through {@code gateway}: keys, rate limits,
     * reservations, the ledger.
     */
    public ApiServer(ModelCatalogue catalogue, Options options, Gateway gateway) {
        this.options = options;
        this.gateway = gateway;
        this.browserGuard = new BrowserGuard(options.corsOrigins(), gateway);
        GenerationResponder responder = new GenerationResponder(catalogue, json, options.keepAliveMillis(), options.usage());
        ChatCompletionsEndpoint chat = new ChatCompletionsEndpoint(json, responder, options.lenient());
        CompletionsEndpoint completions = new CompletionsEndpoint(json, responder, options.lenient());
        ModelsEndpoint models = new ModelsEndpoint(catalogue, gateway.prices(), json);
        TokenizerEndpoints tokenizer = new TokenizerEndpoints(catalogue, json);
        this.app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = options.maxRequestBytes();
            config.http.prefer405over404 = true;
            config.startup.showJavalinBanner = false;
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler(json.mapper)));
            // Before auth: a browser page must not reach a keyless server, nor a JSON endpoint with a form post.
            config.routes.before(browserGuard::check);
            GatewayRoutes.install(config, gateway); // auth, rate limits, admin and usage routes
            config.routes.get("/health", ctx -> ctx.contentType("application/json").result("{\"status\":\"ok\"}"));
            config.routes.get("/v1/models", ctx -> json.respond(ctx, models.list()));
            config.routes.get("/v1/models/<id>", ctx -> json.respond(ctx, models.one(ctx.pathParam("id"))));
            config.routes.post(ChatCompletionsEndpoint.PATH, chat::handle);
            config.routes.post(CompletionsEndpoint.PATH, completions::handle);
            config.routes.post("/tokenize", ctx -> json.respond(ctx, tokenizer.tokenize(json.body(ctx))));
            config.routes.post("/detokenize", ctx -> json.respond(ctx, tokenizer.detokenize(json.body(ctx))));
            config.routes.exception(ApiException.class, (e, ctx) -> json.error(ctx, e));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> json.error(ctx, fromHttp(e)));
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.error("internal error on {} {}", ctx.method(), ctx.path(), e);
                json.error(ctx, ApiException.internal("internal error"));
            });
            config.routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty() || !ctx.result().startsWith("{")) {
                    json.error(ctx, new ApiException(404, "not_found_error", null, null, "no route for " + ctx.method() + " " + ctx.path()));
                }
            });
            config.routes.error(405, ctx -> json.error(ctx, new ApiException(405, "invalid_request_error", null, null,
                    "method " + ctx.method() + " not allowed on " + ctx.path())));
            config.routes.error(413, ctx -> {
                if (ctx.result() == null || !ctx.result().startsWith("{")) json.error(ctx, tooLarge());
            });
        });
    }

    public ApiServer start(String host, int port) {
        browserGuard.listening(host);
        app.start(host, port);
        return this;
    }

    /** Keys, prices ({@code gateway().prices().of(model)} for /v1/models and usage.cost), ledger. */
    public Gateway gateway() {
        return gateway;
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }

    private ApiException tooLarge() {
        return new ApiException(413, "invalid_request_error", null, "payload_too_large",
                "the request body is larger than " + options.maxRequestBytes() + " bytes");
    }

    private ApiException fromHttp(HttpResponseException e) {
        if (e.getStatus() == 413) return tooLarge();
        int status = e.getStatus() >= 400 && e.getStatus() < 500 ? e.getStatus() : 400;
        return new ApiException(status, "invalid_request_error", null, null, e.getMessage());
    }
}
