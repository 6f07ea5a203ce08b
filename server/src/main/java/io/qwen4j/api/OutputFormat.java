package io.qwen4j.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The shape the answer must take: free text, any JSON object, or JSON valid against a schema. Read from
 * OpenAI's {@code response_format} or vLLM's {@code structured_outputs} ({@code {"json": schema}} or
 * {@code {"json_object": true}}); {@link #param()} is the member it came from, for error messages.
 */
public sealed interface OutputFormat {

    String param();

    record Text(String param) implements OutputFormat {
    }

    record JsonObject(String param) implements OutputFormat {
    }

    /** @param schema the schema's JSON text, as given */
    record JsonSchema(String param, String name, String schema, boolean strict) implements OutputFormat {
    }

    OutputFormat TEXT = new Text("response_format");

    /** Both members; at most one of them may ask for something other than text. */
    static OutputFormat read(RequestReader r) {
        OutputFormat format = responseFormat(r.raw("response_format"));
        OutputFormat structured = structuredOutputs(r.raw("structured_outputs"));
        if (!(format instanceof Text) && !(structured instanceof Text)) {
            throw ApiException.invalid("structured_outputs", "give either 'response_format' or 'structured_outputs', not both");
        }
        return structured instanceof Text ? format : structured;
    }

    private static OutputFormat responseFormat(JsonNode format) {
        String p = "response_format";
        if (format == null) return TEXT;
        if (!format.isObject() || !format.path("type").isTextual()) {
            throw ApiException.invalid(p, "'response_format' must be an object with a 'type'");
        }
        return switch (format.get("type").textValue()) {
            case "text" -> TEXT;
            case "json_object" -> new JsonObject(p);
            case "json_schema" -> {
                JsonNode js = format.get("json_schema");
                if (js == null || !js.isObject()) {
                    throw ApiException.invalid(p, "'response_format.json_schema' must be an object with 'name' and 'schema'");
                }
                JsonNode name = js.get("name");
                // As OpenAI: a name is required, of letters, digits, '_' and '-', at most 64.
                if (name == null || !name.isTextual() || !name.textValue().matches("[A-Za-z0-9_-]{1,64}")) {
                    throw ApiException.invalid(p + ".json_schema.name", "'response_format.json_schema.name' is required: 1 to 64 letters, digits, '_' or '-'");
                }
                JsonNode strict = js.get("strict");
                if (strict != null && !strict.isNull() && !strict.isBoolean()) throw ApiException.invalid(p, "'response_format.json_schema.strict' must be a boolean");
                JsonNode schema = js.get("schema");
                // OpenAI requires a schema; an absent one means "any JSON" in vLLM: refuse rather than guess.
                if (schema == null || !(schema.isObject() || schema.isBoolean())) {
                    throw ApiException.invalid(p, "'response_format.json_schema.schema' must be a JSON Schema object");
                }
                yield new JsonSchema(p, name.textValue(), schema.toString(), strict != null && strict.asBoolean(false));
            }
            default -> throw ApiException.invalid(p, "response_format type '" + format.get("type").textValue()
                    + "' is not supported; use text, json_object or json_schema");
        };
    }

    /** vLLM's {@code structured_outputs}; a boolean (a capability flag in OpenRouter's listings) changes nothing. */
    private static OutputFormat structuredOutputs(JsonNode so) {
        String p = "structured_outputs";
        if (so == null || so.isBoolean()) return TEXT;
        if (!so.isObject()) throw ApiException.invalid(p, "'structured_outputs' must be an object such as {\"json\": SCHEMA}");
        OutputFormat out = null;
        for (var it = so.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().isNull()) continue;
            OutputFormat f = switch (e.getKey()) {
                case "json" -> {
                    JsonNode schema = e.getValue();
                    if (schema.isTextual()) {
                        try {
                            schema = new com.fasterxml.jackson.databind.ObjectMapper().readTree(schema.textValue());
                        } catch (java.io.IOException ex) {
                            throw ApiException.invalid(p + ".json", "'structured_outputs.json' is not valid JSON");
                        }
                    }
                    if (!(schema.isObject() || schema.isBoolean())) throw ApiException.invalid(p + ".json", "'structured_outputs.json' must be a JSON Schema");
                    yield new JsonSchema(p, null, schema.toString(), true);
                }
                case "json_object" -> {
                    if (!e.getValue().isBoolean()) throw ApiException.invalid(p + ".json_object", "'structured_outputs.json_object' must be a boolean");
                    yield e.getValue().booleanValue() ? new JsonObject(p) : null;
                }
                case "disable_any_whitespace", "disable_additional_properties", "disable_fallback", "whitespace_pattern" ->
                        throw ApiException.invalid(p + "." + e.getKey(), "'structured_outputs." + e.getKey() + "' is not supported");
                default -> throw ApiException.invalid(p + "." + e.getKey(), "'structured_outputs." + e.getKey()
                        + "' is not supported; only 'json' (a JSON Schema) and 'json_object' are");
            };
            if (f == null) continue;
            if (out != null) throw ApiException.invalid(p, "'structured_outputs' may hold only one constraint");
            out = f;
        }
        return out == null ? TEXT : out;
    }
}
