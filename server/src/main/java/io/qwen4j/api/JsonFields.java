package io.qwen4j.api;

import com.fasterxml.jackson.databind.JsonNode;

/** Typed reads of request members that fail with a 400 naming the member. */
public final class JsonFields {
    private JsonFields() {
    }

    public static String string(JsonNode body, String name, String fallback) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return fallback;
        if (!n.isTextual()) throw ApiException.invalid(name, "'" + name + "' must be a string");
        return n.textValue();
    }

    public static boolean bool(JsonNode body, String name, boolean fallback) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return fallback;
        if (!n.isBoolean()) throw ApiException.invalid(name, "'" + name + "' must be a boolean");
        return n.booleanValue();
    }

    /** An array of token ids, each checked against the vocabulary size. */
    public static int[] tokenIds(JsonNode body, String name, int vocabularySize) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) throw ApiException.invalid(name, "'" + name + "' is required");
        if (!n.isArray()) throw ApiException.invalid(name, "'" + name + "' must be an array of token ids");
        int[] ids = new int[n.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = n.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0 || t.intValue() >= vocabularySize) {
                throw ApiException.invalid(name, "'" + name + "[" + i + "]' = " + t + " is not a token id (0 to " + (vocabularySize - 1) + ")");
            }
            ids[i] = t.intValue();
        }
        return ids;
    }
}
