package io.qwen4j.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.qwen4j.api.ApiException;
import io.qwen4j.api.ErrorBody;
import io.qwen4j.api.JsonFields;
import io.qwen4j.local.LocalModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP service: thin over the model, protocol in {@code io.qwen4j.api}. Every failure leaves as an
 * OpenAI-shaped error with a 4xx status for the caller's mistakes; a 500 only for our own.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    /** Requests larger than this are refused before they are read (images come later; text fits easily). */
    static final long MAX_REQUEST_BYTES = 64L << 20;

    private final LocalModel model;
    private final ObjectMapper json = new ObjectMapper();
    private final Javalin app;

    public ApiServer(LocalModel model) {
        this.model = model;
        this.app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = MAX_REQUEST_BYTES;
            config.http.prefer405over404 = true;
            config.startup.showJavalinBanner = false;
            config.routes.get("/health", ctx -> ctx.contentType("application/json").result("{\"status\":\"ok\"}"));
            config.routes.post("/tokenize", ctx -> respond(ctx, tokenize(body(ctx))));
            config.routes.post("/detokenize", ctx -> respond(ctx, detokenize(body(ctx))));
            config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e));
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.error("internal error on {} {}", ctx.method(), ctx.path(), e);
                error(ctx, new ApiException(500, "server_error", null, null, "internal error: " + e));
            });
            config.routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty() || !ctx.result().startsWith("{")) {
                    error(ctx, new ApiException(404, "not_found_error", null, null, "no route for " + ctx.method() + " " + ctx.path()));
                }
            });
            config.routes.error(405, ctx -> error(ctx, new ApiException(405, "invalid_request_error", null, null, "method " + ctx.method() + " not allowed on " + ctx.path())));
        });
    }

    public ApiServer start(String host, int port) {
        app.start(host, port);
        return this;
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
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

    private ObjectNode tokenize(JsonNode body) {
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
            ids = model.tokenize(prompt, JsonFields.bool(body, "parse_special", true));
        } else {
            boolean addGenerationPrompt = JsonFields.bool(body, "add_generation_prompt", true);
            JsonNode kwargs = body.get("chat_template_kwargs");
            if (kwargs != null && !kwargs.isNull() && !kwargs.isObject()) {
                throw ApiException.invalid("chat_template_kwargs", "'chat_template_kwargs' must be an object");
            }
            ids = model.renderChat(body.get("messages"), body.get("tools"), kwargs, addGenerationPrompt).tokens();
        }
        ObjectNode out = json.createObjectNode();
        ArrayNode tokens = out.putArray("tokens");
        for (int id : ids) tokens.add(id);
        out.put("count", ids.length);
        out.put("max_model_len", model.contextLength());
        return out;
    }

    private ObjectNode detokenize(JsonNode body) {
        int[] ids = JsonFields.tokenIds(body, "tokens", model.vocabularySize());
        return json.createObjectNode().put("prompt", model.detokenize(ids));
    }

    private void respond(Context ctx, JsonNode node) throws JsonProcessingException {
        ctx.contentType("application/json").result(json.writeValueAsString(node));
    }

    private void error(Context ctx, ApiException e) {
        try {
            ctx.status(e.status()).contentType("application/json").result(json.writeValueAsString(ErrorBody.of(json, e)));
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
