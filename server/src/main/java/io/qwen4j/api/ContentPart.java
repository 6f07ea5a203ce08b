package io.qwen4j.api;

import com.fasterxml.jackson.databind.JsonNode;

/** One part of a message's {@code content} array, checked when the request is read. */
public sealed interface ContentPart {

    /** Where the part sits in the request, e.g. {@code messages[2].content[1]}: the {@code param} of a 400 about it. */
    String param();

    record Text(String param, String text) implements ContentPart {
    }

    /**
     * An image part as sent ({@code image_url}, {@code image} or {@code input_image}; see the shapes in the local
     * backend's {@code ImageSource}): which URL forms and sizes are read is the backend's to judge.
     */
    record Image(String param, JsonNode part) implements ContentPart {
    }

    /** The part types a chat may contain. */
    static ContentPart read(String param, JsonNode part) {
        if (!part.isObject() || !part.path("type").isTextual()) {
            throw ApiException.invalid(param, param + " must be an object with a 'type'");
        }
        return switch (part.get("type").textValue()) {
            case "text" -> {
                if (!part.path("text").isTextual()) throw ApiException.invalid(param + ".text", param + ".text must be a string");
                yield new Text(param, part.get("text").textValue());
            }
            case "image_url", "image", "input_image" -> new Image(param, part);
            default -> throw ApiException.invalid(param, param + " has type '" + part.get("type").textValue()
                    + "', which this model cannot read (text and image parts only)");
        };
    }
}
