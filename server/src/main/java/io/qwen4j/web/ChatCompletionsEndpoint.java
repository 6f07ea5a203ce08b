package io.qwen4j.web;

import io.javalin.http.Context;
import io.qwen4j.api.ApiException;
import io.qwen4j.api.ChatCompletionFormat;
import io.qwen4j.api.ChatCompletionRequest;

import java.util.UUID;

/** {@code POST /v1/chat/completions}. */
final class ChatCompletionsEndpoint {
    static final String PATH = "/v1/chat/completions";

    private final HttpJson json;
    private final GenerationResponder responder;
    private final boolean lenient;

    ChatCompletionsEndpoint(HttpJson json, GenerationResponder responder, boolean lenient) {
        this.json = json;
        this.responder = responder;
        this.lenient = lenient;
    }

    void handle(Context ctx) throws Exception {
        ChatCompletionRequest r = ChatCompletionRequest.parse(json.body(ctx), lenient);
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        responder.serve(ctx, new GenerationResponder.Generation(id, PATH, r.model(), r.options(), r.options().n()),
                backend -> new ChatCompletionFormat(id, r.model(), backend.systemFingerprint(), r.logprobs()),
                (backend, events) -> {
                    backend.model(r.model()).orElseThrow(() -> ApiException.modelNotFound(r.model())).capabilities().check(r.model(), r);
                    return backend.chat(r, events);
                });
    }
}
