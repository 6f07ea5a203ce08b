package io.qwen4j.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Writes errors in the OpenAI shape, the one every OpenAI client parses. */
public final class ErrorBody {
    private ErrorBody() {
    }

    public static ObjectNode of(ObjectMapper json, ApiException e) {
        ObjectNode root = json.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.type());
        error.put("param", e.param());
        error.put("code", e.code());
        return root;
    }
}
