package io.qwen4j.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.api.ApiException;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

/**
 * Where the bytes of one image part come from: a {@code data:} URI (decoded here) or an {@code http(s)} URL (fetched
 * later by {@link ImageFetcher}). Accepts the shapes clients send:
 * <ul>
 *   <li>OpenAI: {@code {"type": "image_url", "image_url": {"url": "...", "detail": "auto|low|high"}}};</li>
 *   <li>the short form {@code {"type": "image_url", "image_url": "..."}} (vLLM, several SDKs);</li>
 *   <li>transformers / Qwen: {@code {"type": "image", "image": "..."}}; the Responses API's
 *       {@code {"type": "input_image", "image_url": "..."}}.</li>
 * </ul>
 * {@code detail} is checked but changes nothing: every image is resized by the model's own rules.
 */
public sealed interface ImageSource {

    /** The media types a data URI may declare (the formats the decoder reads). */
    Set<String> MEDIA_TYPES = Set.of("image/png", "image/jpeg", "image/jpg", "image/pjpeg", "image/gif", "image/bmp",
            "image/x-bmp", "image/x-ms-bmp", "image/webp");

    record Inline(byte[] bytes) implements ImageSource {
    }

    record Remote(URI url) implements ImageSource {
    }

    /**
     * The source of content part {@code part} (its {@code type} is one of image_url, image, input_image), or a 400
     * naming {@code param}; a data URI larger than {@code maxBytes} once decoded is refused.
     */
    static ImageSource of(JsonNode part, String param, long maxBytes) {
        String type = part.path("type").asText();
        JsonNode value = switch (type) {
            case "image" -> part.has("image") ? part.get("image") : part.get("image_url");
            default -> part.get("image_url");
        };
        String field = type.equals("image") && part.has("image") ? "image" : "image_url";
        if (value != null && value.isObject()) {
            JsonNode detail = value.get("detail");
            if (detail != null && !detail.isNull() && !Set.of("auto", "low", "high").contains(detail.asText())) {
                throw ApiException.invalid(param + "." + field + ".detail", param + "." + field + ".detail must be 'auto', 'low' or 'high'");
            }
            value = value.get("url");
            field += ".url";
        }
        if (value == null || !value.isTextual() || value.textValue().isBlank()) {
            throw ApiException.invalid(param, param + " needs an image URL: {\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/png;base64,...\"}}");
        }
        String url = value.textValue().strip();
        if (url.regionMatches(true, 0, "data:", 0, 5)) return inline(url, param, maxBytes);
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw ApiException.invalid(param, param + " has an invalid image URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw ApiException.invalid(param, param + ": image URLs must be data: URIs (base64) or http(s) URLs, not '"
                    + (scheme.isEmpty() ? url.substring(0, Math.min(20, url.length())) : scheme + ":") + "'");
        }
        if (uri.getHost() == null) throw ApiException.invalid(param, param + " has an image URL without a host");
        return new Remote(uri);
    }

    /** {@code data:<media type>[;param=value]*;base64,<data>}. */
    private static Inline inline(String uri, String param, long maxBytes) {
        int comma = uri.indexOf(',');
        if (comma < 0) throw ApiException.invalid(param, param + " has a data URI without a ',' before its data");
        String[] header = uri.substring(5, comma).split(";");
        String mediaType = header[0].strip().toLowerCase(Locale.ROOT);
        boolean base64 = false;
        for (int i = 1; i < header.length; i++) base64 |= header[i].strip().equalsIgnoreCase("base64");
        if (!MEDIA_TYPES.contains(mediaType)) {
            throw ApiException.invalid(param, param + " has a data URI of type '" + (mediaType.isEmpty() ? "text/plain" : shorten(mediaType))
                    + "'; images must be image/png, image/jpeg, image/webp, image/gif or image/bmp");
        }
        if (!base64) throw ApiException.invalid(param, param + " has a data URI that is not base64 (data:" + mediaType + ";base64,...)");
        String data = uri.substring(comma + 1);
        // Base64 grows data by 4/3: refuse an oversized image before decoding it.
        if ((long) data.length() / 4 * 3 > maxBytes + 3) {
            throw ApiException.invalid(param, param + " is an image larger than " + maxBytes + " bytes (--max-image-bytes)");
        }
        byte[] bytes;
        try {
            if (data.chars().anyMatch(Character::isWhitespace)) data = data.replaceAll("\\s+", ""); // wrapped base64
            if (data.contains("%")) throw new IllegalArgumentException("percent-encoded characters");
            bytes = (data.indexOf('-') >= 0 || data.indexOf('_') >= 0 ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(data);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(param, param + " has a data URI whose base64 data is invalid: " + e.getMessage());
        }
        if (bytes.length == 0) throw ApiException.invalid(param, param + " has an empty data URI");
        if (bytes.length > maxBytes) throw ApiException.invalid(param, param + " is an image larger than " + maxBytes + " bytes (--max-image-bytes)");
        return new Inline(bytes);
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
