package io.qwen4j.web;

import io.javalin.http.Context;
import io.qwen4j.api.ApiException;
import io.qwen4j.api.CompletionRequest;
import io.qwen4j.api.TextCompletionFormat;

import java.util.UUID;

/** {@code POST /v1/completions}: each prompt continued {@code n} times. */
final class CompletionsEndpoint {
    static final String PATH = "/v1/completions";

    private final HttpJson json;
    private final GenerationResponder responder;
    private final boolean lenient;

    CompletionsEndpoint(HttpJson json, GenerationResponder responder, boolean lenient) {
        this.json = json;
        this.responder = responder;
        this.lenient = lenient;
    }

    void handle(Context ctx) throws Exception {
        CompletionRequest r = CompletionRequest.parse(json.body(ctx), lenient);
        String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
        int choices = r.prompts().size() * r.options().n();
        responder.serve(ctx, new GenerationResponder.Generation(id, PATH, r.model(), r.options(), choices),
                backend -> new TextCompletionFormat(id, r.model(), backend.systemFingerprint(), r.logprobs(), choices),
                (backend, events) -> {
                    backend.model(r.model()).orElseThrow(() -> ApiException.modelNotFound(r.model())).capabilities().check(r.model(), r);
                    return backend.complete(r, events);
                });
    }
}
