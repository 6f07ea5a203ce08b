package io.qwen4j.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.qwen4j.api.ApiException;
import io.qwen4j.api.ErrorBody;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** JSON in and out of the HTTP endpoints: request bodies, answers, OpenAI-shaped errors and server-sent events. */
final class HttpJson {
    /** Writes money exactly ({@code 0.0000000016}, never {@code 1.6E-9}). */
    final ObjectMapper mapper = JsonMapper.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // a body means one thing: no "last key wins"
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']{1,64})'");

    HttpJson() {
        // Deeply nested or huge JSON is refused by the parser itself (a 400), not by the stack.
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build());
    }

    /** The request body: a JSON object, else a 400. */
    JsonNode body(Context ctx) {
        String text = ctx.body();
        if (text.isBlank()) throw ApiException.invalid(null, "the request body is empty; expected a JSON object");
        JsonNode node;
        try {
            node = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            Matcher duplicate = DUPLICATE.matcher(e.getOriginalMessage());
            if (duplicate.find()) {
                throw ApiException.invalid(duplicate.group(1), "the request body gives '" + duplicate.group(1) + "' more than once");
            }
            throw ApiException.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) throw ApiException.invalid(null, "the request body must be a JSON object");
        return node;
    }

    void respond(Context ctx, JsonNode node) throws JsonProcessingException {
        ctx.contentType("application/json").result(mapper.writeValueAsString(node));
    }

    void error(Context ctx, ApiException e) {
        try {
            if (e.retryAfterSeconds() != null) ctx.header("Retry-After", Integer.toString(e.retryAfterSeconds()));
            ctx.status(e.status()).contentType("application/json").result(mapper.writeValueAsString(ErrorBody.of(mapper, e)));
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** One server-sent event: {@code data: <json>}. */
    void send(OutputStream out, ObjectNode chunk) throws IOException {
        out.write("data: ".getBytes(StandardCharsets.UTF_8));
        out.write(mapper.writeValueAsBytes(chunk));
        out.write("\n\n".getBytes(StandardCharsets.UTF_8));
    }
}
