package io.qwen4j.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.qwen4j.api.ApiException;
import io.qwen4j.api.ChatBackend;
import io.qwen4j.api.ChoiceResult;
import io.qwen4j.api.GenerationListener;
import io.qwen4j.api.GenerationOptions;
import io.qwen4j.api.GenerationStream;
import io.qwen4j.api.ModelCatalogue;
import io.qwen4j.api.ResponseFormat;
import io.qwen4j.api.Usage;
import io.qwen4j.api.UsageReport;
import io.qwen4j.api.UsageSink;
import io.qwen4j.gateway.Reservation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The machinery every generating endpoint shares: route the request to its model's backend, open its credit
 * reservation when the backend knows the prompt's size, and write the backend's events as one JSON answer or as
 * server-sent events; settle, abort or fail the reservation and report the usage exactly once, whatever the end.
 */
final class GenerationResponder {
    private static final Logger log = LoggerFactory.getLogger(GenerationResponder.class);

    /**
     * One generation request, whatever its endpoint.
     *
     * @param id      the response's id ({@code chatcmpl-…}, {@code cmpl-…})
     * @param choices how many choices the answer has
     */
    record Generation(String id, String endpoint, String model, GenerationOptions options, int choices) {
    }

    /** Checks the request against its model and starts it on the backend (events go to {@code listener}). */
    @FunctionalInterface
    interface Start {
        GenerationStream start(ChatBackend backend, GenerationListener listener);
    }

    private final ModelCatalogue catalogue;
    private final HttpJson json;
    private final long keepAliveMillis;
    private final UsageSink usage;

    GenerationResponder(ModelCatalogue catalogue, HttpJson json, long keepAliveMillis, UsageSink usage) {
        this.catalogue = catalogue;
        this.json = json;
        this.keepAliveMillis = keepAliveMillis;
        this.usage = usage;
    }

    /**
     * @param format the response's shape, given the backend that answers (its fingerprint)
     * @param start  checks and starts the request on that backend
     */
    void serve(Context ctx, Generation g, Function<ChatBackend, ResponseFormat> format, Start start) throws Exception {
        GenerationEvents events = new GenerationEvents((promptTokens, maxTokens) -> GatewayRoutes.reserve(ctx, g.model(), promptTokens, maxTokens));
        ResponseFormat f;
        GenerationStream stream;
        try {
            ChatBackend backend = catalogue.backend(g.model());
            f = format.apply(backend);
            stream = start.start(backend, events);
        } catch (ApiException refused) {
            // Refused before any token (unknown model, unsupported parameter, context exceeded, no credit, overload):
            // nothing used or charged.
            if (events.reservation() != null) events.reservation().fail(Usage.NONE, refused.getMessage());
            report(g, Usage.NONE, UsageReport.Outcome.ERROR);
            throw refused;
        }
        if (g.options().stream()) {
            stream(ctx, g, f, events, stream);
        } else {
            answer(ctx, g, f, events, stream);
        }
    }

    /**
     * Waits for the whole generation and writes one JSON object. A client that closes its connection meanwhile
     * cancels the generation at once, as a streaming one does.
     */
    private void answer(Context ctx, Generation g, ResponseFormat format, GenerationEvents events, GenerationStream stream) throws Exception {
        List<ChoiceResult> results = new ArrayList<>();
        for (int i = 0; i < g.choices(); i++) results.add(new ChoiceResult());
        ClientConnection client = ClientConnection.of(ctx);
        while (true) {
            GenerationEvents.Event e = events.poll(ClientConnection.PROBE_INTERVAL_NANOS / 1_000_000);
            switch (e) {
                case null -> {
                }
                case GenerationEvents.Delta d -> results.get(d.choice()).add(d.delta());
                case GenerationEvents.End end -> results.get(end.choice()).end = end.end();
                case GenerationEvents.Done done -> {
                    BigDecimal cost = events.reservation().settle(done.usage());
                    report(g, done.usage(), UsageReport.Outcome.SUCCESS);
                    json.respond(ctx, withCost(format.response(results, done.usage()), cost));
                    return;
                }
                case GenerationEvents.Failed failed -> {
                    events.reservation().fail(failed.usage(), failed.error().getMessage());
                    report(g, failed.usage(), UsageReport.Outcome.ERROR);
                    throw failed.error();
                }
            }
            if (client.gone()) {
                abandon(g, events, stream, Usage.NONE);
                return;
            }
        }
    }

    /**
     * Server-sent events: the role first, content deltas, each choice's final chunk, the usage chunk when
     * asked, {@code [DONE]}. A comment keeps the connection alive while nothing happens (queueing, prompt
     * processing). A write that fails means the client has gone: the generation is cancelled at once.
     */
    private void stream(Context ctx, Generation g, ResponseFormat format, GenerationEvents events, GenerationStream stream) throws Exception {
        var res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream; charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        OutputStream out = res.getOutputStream();
        Usage used = Usage.NONE;
        ClientConnection client = ClientConnection.of(ctx);
        long lastWrite = System.nanoTime();
        try {
            for (int i = 0; i < g.choices(); i++) {
                ObjectNode open = format.openChunk(i);
                if (open != null) json.send(out, open);
            }
            out.flush();
            while (true) {
                GenerationEvents.Event e = events.poll(Math.min(keepAliveMillis, ClientConnection.PROBE_INTERVAL_NANOS / 1_000_000));
                switch (e) {
                    case null -> {
                        // Between events (queueing, a long prefill) only the next keep-alive would notice a closed connection.
                        if (client.gone()) throw new IOException("the client closed the connection");
                        if (System.nanoTime() - lastWrite >= keepAliveMillis * 1_000_000) {
                            out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                            out.flush();
                            lastWrite = System.nanoTime();
                        }
                    }
                    case GenerationEvents.Delta d -> {
                        json.send(out, format.deltaChunk(d.choice(), d.delta()));
                        out.flush();
                        lastWrite = System.nanoTime();
                        if (d.delta().tokens() > 0) events.reservation().delivered(d.delta().tokens());
                    }
                    case GenerationEvents.End end -> {
                        json.send(out, format.endChunk(end.choice(), end.end()));
                        out.flush();
                        lastWrite = System.nanoTime();
                    }
                    case GenerationEvents.Done done -> {
                        used = done.usage();
                        BigDecimal cost = events.reservation().settle(used);
                        if (g.options().includeUsage()) json.send(out, withCost(format.usageChunk(used), cost));
                        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        report(g, used, UsageReport.Outcome.SUCCESS);
                        return;
                    }
                    case GenerationEvents.Failed failed -> {
                        events.reservation().fail(failed.usage(), failed.error().getMessage());
                        json.send(out, format.errorChunk(g.choices(), failed.error()));
                        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        report(g, failed.usage(), UsageReport.Outcome.ERROR);
                        return;
                    }
                }
            }
        } catch (IOException | RuntimeException disconnected) {
            // A write that fails is the client gone; anything else is our bug, billed the same way but logged.
            if (!(disconnected instanceof IOException) && !(disconnected.getCause() instanceof IOException)) {
                log.error("stream {} ended by an error", g.id(), disconnected);
            }
            abandon(g, events, stream, used);
        }
    }

    /** The client has gone: cancel its generation (slot and KV blocks free at once) and charge what was produced. */
    private void abandon(Generation g, GenerationEvents events, GenerationStream stream, Usage used) throws InterruptedException {
        stream.cancel();
        Usage produced = drainUsage(events, used);
        Reservation r = events.reservation();
        if (r != null && !r.ended()) r.abort(produced); // charged for exactly what was produced
        report(g, produced, UsageReport.Outcome.CLIENT_ABORT);
    }

    /** {@code usage.cost}, in the currency of the model's price, as OpenRouter reports it. */
    private static ObjectNode withCost(ObjectNode response, BigDecimal cost) {
        if (response != null && response.get("usage") instanceof ObjectNode u) u.put("cost", cost);
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

    private void report(Generation g, Usage used, UsageReport.Outcome outcome) {
        try {
            usage.report(new UsageReport(g.id(), g.endpoint(), g.model(), used, outcome));
        } catch (RuntimeException e) {
            log.error("usage sink failed", e);
        }
    }
}
