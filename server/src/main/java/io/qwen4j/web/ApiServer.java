package io.qwen4j.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.qwen4j.api.ApiException;
import io.qwen4j.api.ChatBackend;
import io.qwen4j.api.ChatCompletionFormat;
import io.qwen4j.api.ChatCompletionRequest;
import io.qwen4j.api.ChoiceResult;
import io.qwen4j.api.CompletionRequest;
import io.qwen4j.api.ErrorBody;
import io.qwen4j.api.GenerationOptions;
import io.qwen4j.api.GenerationStream;
import io.qwen4j.api.JsonFields;
import io.qwen4j.api.ModelCard;
import io.qwen4j.api.ModelPricing;
import io.qwen4j.api.ResponseFormat;
import io.qwen4j.api.TextCompletionFormat;
import io.qwen4j.api.TokenizingBackend;
import io.qwen4j.api.Usage;
import io.qwen4j.api.UsageReport;
import io.qwen4j.api.UsageSink;
import io.qwen4j.gateway.Gateway;
import io.qwen4j.gateway.Price;
import io.qwen4j.gateway.RequestAccount;
import io.qwen4j.gateway.Reservation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.math.BigDecimal;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * The HTTP service, thin over a {@link ChatBackend}: parse and validate (in {@code io.qwen4j.api}), call
 * the backend, write its events as one JSON answer or as server-sent events. Every failure leaves as an
 * OpenAI-shaped error with a 4xx status for the caller's mistakes; a 500 only for our own.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    /**
     * @param lenient         ignore request parameters no API defines instead of refusing them
     * @param maxRequestBytes larger bodies get a 413 before they are read
     * @param keepAliveMillis an SSE comment is sent after this long without an event (prompt processing, queueing)
     * @param usage           hears every generation's usage at its end (billing, rate limits)
     * @param pricing         model id → prices for {@code /v1/models}, or null
     */
    public record Options(boolean lenient, long maxRequestBytes, long keepAliveMillis, UsageSink usage,
                          Function<String, ModelPricing> pricing) {
        public static Options defaults() {
            return new Options(false, 64L << 20, 5_000, UsageSink.NONE, id -> null);
        }

        public Options withLenient(boolean b) {
            return new Options(b, maxRequestBytes, keepAliveMillis, usage, pricing);
        }

        public Options withMaxRequestBytes(long n) {
            return new Options(lenient, n, keepAliveMillis, usage, pricing);
        }

        public Options withKeepAliveMillis(long n) {
            return new Options(lenient, maxRequestBytes, n, usage, pricing);
        }

        public Options withUsage(UsageSink sink) {
            return new Options(lenient, maxRequestBytes, keepAliveMillis, sink, pricing);
        }
    }

    private final ChatBackend backend;
    private final Options options;
    private final Gateway gateway;
    /** Writes money exactly ({@code 0.0000000016}, never {@code 1.6E-9}). */
    private final ObjectMapper json = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();
    private final Javalin app;

    /** A server without keys, billing or limits (every request anonymous, nothing recorded). */
    public ApiServer(ChatBackend backend, Options options) {
        this(backend, options, Gateway.unmetered());
    }

    /** A server whose requests pass through {@code gateway}: keys, rate limits, reservations, the ledger. */
    public ApiServer(ChatBackend backend, Options options, Gateway gateway) {
        this.backend = backend;
        this.options = options;
        this.gateway = gateway;
        // Deeply nested or huge JSON is refused by the parser itself (a 400), not by the stack.
        json.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build());
        this.app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = options.maxRequestBytes();
            config.http.prefer405over404 = true;
            config.startup.showJavalinBanner = false;
            gateway.install(config); // auth, rate limits, admin and usage routes; endpoints call RequestAccount.of(ctx)
            config.routes.get("/health", ctx -> ctx.contentType("application/json").result("{\"status\":\"ok\"}"));
            config.routes.get("/v1/models", ctx -> respond(ctx, modelList()));
            config.routes.get("/v1/models/<id>", ctx -> respond(ctx, modelCard(ctx.pathParam("id"))));
            config.routes.post("/v1/chat/completions", ctx -> generate(ctx, true));
            config.routes.post("/v1/completions", ctx -> generate(ctx, false));
            config.routes.post("/tokenize", ctx -> respond(ctx, tokenize(body(ctx))));
            config.routes.post("/detokenize", ctx -> respond(ctx, detokenize(body(ctx))));
            config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, fromHttp(e)));
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.error("internal error on {} {}", ctx.method(), ctx.path(), e);
                error(ctx, ApiException.internal("internal error"));
            });
            config.routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty() || !ctx.result().startsWith("{")) {
                    error(ctx, new ApiException(404, "not_found_error", null, null, "no route for " + ctx.method() + " " + ctx.path()));
                }
            });
            config.routes.error(405, ctx -> error(ctx, new ApiException(405, "invalid_request_error", null, null, "method " + ctx.method() + " not allowed on " + ctx.path())));
            config.routes.error(413, ctx -> {
                if (ctx.result() == null || !ctx.result().startsWith("{")) error(ctx, tooLarge());
            });
        });
    }

    public ApiServer start(String host, int port) {
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

    private JsonNode body(Context ctx) {
        String text = ctx.body();
        if (text.isBlank()) throw ApiException.invalid(null, "the request body is empty; expected a JSON object");
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) throw ApiException.invalid(null, "the request body must be a JSON object");
        return node;
    }

    // ---- models

    private ObjectNode modelList() {
        ObjectNode out = json.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        for (ModelCard m : backend.models()) data.add(card(m));
        return out;
    }

    private ObjectNode modelCard(String id) {
        return card(backend.model(id).orElseThrow(() -> ApiException.modelNotFound(id)));
    }

    private ObjectNode card(ModelCard m) {
        ModelPricing price = m.pricing() != null ? m.pricing() : options.pricing().apply(m.id());
        if (price == null) {
            price = gateway.prices().of(m.id()).map(p -> new ModelPricing(p.input(), p.output(), p.currency())).orElse(null);
        }
        ObjectNode o = json.createObjectNode();
        o.put("id", m.id()).put("object", "model").put("created", m.created()).put("owned_by", m.ownedBy());
        o.put("context_length", m.contextLength()).put("max_model_len", m.contextLength());
        ObjectNode arch = o.putObject("architecture");
        arch.set("input_modalities", json.valueToTree(m.inputModalities()));
        arch.set("output_modalities", json.valueToTree(m.outputModalities()));
        arch.put("modality", String.join("+", m.inputModalities()) + "->" + String.join("+", m.outputModalities()));
        arch.put("tokenizer", "Qwen3");
        o.putObject("top_provider").put("context_length", m.contextLength()).put("max_completion_tokens", m.maxCompletionTokens()).put("is_moderated", false);
        o.put("max_completion_tokens", m.maxCompletionTokens());
        o.set("supported_parameters", json.valueToTree(m.supportedParameters()));
        if (price == null) {
            o.putNull("pricing");
        } else {
            o.putObject("pricing").put("input_per_1k", price.inputPer1k()).put("output_per_1k", price.outputPer1k()).put("currency", price.currency());
        }
        return o;
    }

    // ---- generation

    private void generate(Context ctx, boolean chat) throws Exception {
        JsonNode body = body(ctx);
        String endpoint = chat ? "/v1/chat/completions" : "/v1/completions";
        ChatCompletionRequest chatRequest = chat ? ChatCompletionRequest.parse(body, options.lenient()) : null;
        CompletionRequest textRequest = chat ? null : CompletionRequest.parse(body, options.lenient());
        GenerationOptions o = chat ? chatRequest.options() : textRequest.options();
        String model = chat ? chatRequest.model() : textRequest.model();
        int choices = chat ? o.n() : textRequest.prompts().size() * o.n();
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        ResponseFormat format = chat
                ? new ChatCompletionFormat(id, model, backend.systemFingerprint(), chatRequest.logprobs())
                : new TextCompletionFormat(id, model, backend.systemFingerprint(), textRequest.logprobs(), choices);
        RequestAccount account = RequestAccount.of(ctx);
        GenerationEvents events = new GenerationEvents((promptTokens, maxTokens) -> account.reserve(model, promptTokens, maxTokens));
        GenerationStream stream;
        try {
            stream = chat ? backend.chat(chatRequest, events) : backend.complete(textRequest, events);
        } catch (ApiException refused) {
            // Refused before any token (unknown model, context exceeded, no credit, overload): nothing used or charged.
            if (events.reservation() != null) events.reservation().fail(gatewayUsage(Usage.NONE), refused.getMessage());
            report(format, endpoint, model, Usage.NONE, UsageReport.Outcome.ERROR);
            throw refused;
        }
        if (o.stream()) {
            streamEvents(ctx, format, events, stream, choices, o.includeUsage(), endpoint, model);
        } else {
            answer(ctx, format, events, stream, choices, endpoint, model);
        }
    }

    /**
     * Waits for the whole generation and writes one JSON object. A client that closes its connection meanwhile
     * cancels the generation at once, as a streaming one does.
     */
    private void answer(Context ctx, ResponseFormat format, GenerationEvents events, GenerationStream stream, int choices,
                        String endpoint, String model) throws Exception {
        List<ChoiceResult> results = new ArrayList<>();
        for (int i = 0; i < choices; i++) results.add(new ChoiceResult());
        ClientConnection client = ClientConnection.of(ctx);
        while (true) {
            GenerationEvents.Event e = events.poll(ClientConnection.PROBE_INTERVAL_NANOS / 1_000_000);
            switch (e) {
                case null -> {
                }
                case GenerationEvents.Delta d -> results.get(d.choice()).add(d.delta());
                case GenerationEvents.End end -> results.get(end.choice()).end = end.end();
                case GenerationEvents.Done done -> {
                    BigDecimal cost = events.reservation().settle(gatewayUsage(done.usage()));
                    report(format, endpoint, model, done.usage(), UsageReport.Outcome.SUCCESS);
                    respond(ctx, withCost(format.response(results, done.usage()), cost));
                    return;
                }
                case GenerationEvents.Failed f -> {
                    events.reservation().fail(gatewayUsage(f.usage()), f.error().getMessage());
                    report(format, endpoint, model, f.usage(), UsageReport.Outcome.ERROR);
                    throw f.error();
                }
            }
            if (client.gone()) {
                abandon(format, events, stream, Usage.NONE, endpoint, model);
                return;
            }
        }
    }

    /**
     * Server-sent events: the role first, content deltas, each choice's final chunk, the usage chunk when
     * asked, {@code [DONE]}. A comment keeps the connection alive while nothing happens (queueing, prompt
     * processing). A write that fails means the client has gone: the generation is cancelled at once.
     */
    private void streamEvents(Context ctx, ResponseFormat format, GenerationEvents events, GenerationStream stream, int choices,
                              boolean includeUsage, String endpoint, String model) throws Exception {
        var res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream; charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        OutputStream out = res.getOutputStream();
        Usage usage = Usage.NONE;
        ClientConnection client = ClientConnection.of(ctx);
        long lastWrite = System.nanoTime();
        try {
            for (int i = 0; i < choices; i++) {
                ObjectNode open = format.openChunk(i);
                if (open != null) send(out, open);
            }
            out.flush();
            while (true) {
                GenerationEvents.Event e = events.poll(Math.min(options.keepAliveMillis(), ClientConnection.PROBE_INTERVAL_NANOS / 1_000_000));
                switch (e) {
                    case null -> {
                        // Between events (queueing, a long prefill) only the next keep-alive would notice a closed connection.
                        if (client.gone()) throw new IOException("the client closed the connection");
                        if (System.nanoTime() - lastWrite >= options.keepAliveMillis() * 1_000_000) {
                            out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                            out.flush();
                            lastWrite = System.nanoTime();
                        }
                    }
                    case GenerationEvents.Delta d -> {
                        send(out, format.deltaChunk(d.choice(), d.delta()));
                        out.flush();
                        lastWrite = System.nanoTime();
                    }
                    case GenerationEvents.End end -> {
                        send(out, format.endChunk(end.choice(), end.end()));
                        out.flush();
                        lastWrite = System.nanoTime();
                    }
                    case GenerationEvents.Done done -> {
                        usage = done.usage();
                        BigDecimal cost = events.reservation().settle(gatewayUsage(usage));
                        if (includeUsage) send(out, withCost(format.usageChunk(done.usage()), cost));
                        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        report(format, endpoint, model, usage, UsageReport.Outcome.SUCCESS);
                        return;
                    }
                    case GenerationEvents.Failed f -> {
                        events.reservation().fail(gatewayUsage(f.usage()), f.error().getMessage());
                        send(out, format.errorChunk(choices, f.error()));
                        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        report(format, endpoint, model, f.usage(), UsageReport.Outcome.ERROR);
                        return;
                    }
                }
            }
        } catch (IOException | RuntimeException disconnected) {
            abandon(format, events, stream, usage, endpoint, model);
        }
    }

    /** The client has gone: cancel its generation (slot and KV blocks free at once) and charge what was produced. */
    private void abandon(ResponseFormat format, GenerationEvents events, GenerationStream stream, Usage usage, String endpoint,
                         String model) throws InterruptedException {
        stream.cancel();
        Usage produced = drainUsage(events, usage);
        Reservation r = events.reservation();
        if (r != null && !r.ended()) r.abort(gatewayUsage(produced)); // charged for exactly what was produced
        report(format, endpoint, model, produced, UsageReport.Outcome.CLIENT_ABORT);
    }

    private static io.qwen4j.gateway.Usage gatewayUsage(Usage u) {
        return new io.qwen4j.gateway.Usage(u.promptTokens(), u.cachedTokens(), u.completionTokens());
    }

    /** {@code usage.cost}, in the currency of the model's price, as OpenRouter reports it. */
    private static ObjectNode withCost(ObjectNode response, BigDecimal cost) {
        if (response != null && response.get("usage") instanceof ObjectNode usage) usage.put("cost", cost);
        return response;
    }

    /** After a cancel, the engine reports the end within a step: wait for it to learn what was used. */
    private static Usage drainUsage(GenerationEvents events, Usage fallback) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            GenerationEvents.Event e = events.poll(100);
            if (e instanceof GenerationEvents.Done d) return d.usage();
            if (e instanceof GenerationEvents.Failed f) return f.usage();
        }
        return fallback;
    }

    private void send(OutputStream out, ObjectNode chunk) throws IOException {
        out.write("data: ".getBytes(StandardCharsets.UTF_8));
        out.write(json.writeValueAsBytes(chunk));
        out.write("\n\n".getBytes(StandardCharsets.UTF_8));
    }

    private void report(ResponseFormat format, String endpoint, String model, Usage usage, UsageReport.Outcome outcome) {
        try {
            options.usage().report(new UsageReport(format.id(), endpoint, model, usage, outcome));
        } catch (RuntimeException e) {
            log.error("usage sink failed", e);
        }
    }

    // ---- tokenizer

    private TokenizingBackend tokenizer() {
        if (backend instanceof TokenizingBackend t) return t;
        throw ApiException.notFound("this backend has no tokenizer endpoint");
    }

    private ObjectNode tokenize(JsonNode body) {
        TokenizingBackend t = tokenizer();
        int[] ids;
        boolean hasPrompt = body.hasNonNull("prompt");
        boolean hasMessages = body.hasNonNull("messages");
        if (hasPrompt == hasMessages) {
            throw ApiException.invalid(hasPrompt ? "messages" : "prompt", "give exactly one of 'prompt' (a string) or 'messages' (a chat)");
        }
        if (hasPrompt) {
            String prompt = JsonFields.string(body, "prompt", null);
            // As in llama.cpp's and vLLM's /tokenize, special tokens in a raw prompt are recognised unless the
            // caller asks for plain text ("parse_special": false, llama.cpp's name).
            ids = t.tokenize(prompt, JsonFields.bool(body, "parse_special", true));
        } else {
            boolean addGenerationPrompt = JsonFields.bool(body, "add_generation_prompt", true);
            JsonNode kwargs = body.get("chat_template_kwargs");
            if (kwargs != null && !kwargs.isNull() && !kwargs.isObject()) {
                throw ApiException.invalid("chat_template_kwargs", "'chat_template_kwargs' must be an object");
            }
            ids = t.tokenizeChat(body.get("messages"), body.get("tools"), kwargs, addGenerationPrompt);
        }
        ObjectNode out = json.createObjectNode();
        ArrayNode tokens = out.putArray("tokens");
        for (int id : ids) tokens.add(id);
        out.put("count", ids.length);
        out.put("max_model_len", t.maxModelLen());
        return out;
    }

    private ObjectNode detokenize(JsonNode body) {
        TokenizingBackend t = tokenizer();
        int[] ids = JsonFields.tokenIds(body, "tokens", t.vocabularySize());
        return json.createObjectNode().put("prompt", t.detokenize(ids));
    }

    private void respond(Context ctx, JsonNode node) throws JsonProcessingException {
        ctx.contentType("application/json").result(json.writeValueAsString(node));
    }

    private void error(Context ctx, ApiException e) {
        try {
            if (e.retryAfterSeconds() != null) ctx.header("Retry-After", Integer.toString(e.retryAfterSeconds()));
            ctx.status(e.status()).contentType("application/json").result(json.writeValueAsString(ErrorBody.of(json, e)));
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
