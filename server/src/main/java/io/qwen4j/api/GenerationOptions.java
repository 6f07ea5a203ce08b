package io.qwen4j.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sampling and stopping parameters shared by chat completions and completions, validated: every value
 * here is in range. Null means "not given" (the backend applies its default).
 *
 * @param maxTokens {@code max_completion_tokens}, else {@code max_tokens}
 * @param logitBias token id → bias in [−100, 100]
 * @param stop      at most 4 stop strings (empty strings dropped)
 */
public record GenerationOptions(Double temperature, Double topP, Integer topK, Double minP, Double topA,
                                Double frequencyPenalty, Double presencePenalty, Double repetitionPenalty, Long seed,
                                Integer maxTokens, Integer minTokens, Map<Integer, Float> logitBias, List<String> stop,
                                List<Integer> stopTokenIds, int n, boolean ignoreEos, boolean skipSpecialTokens,
                                boolean stream, boolean includeUsage, boolean returnTokensAsTokenIds) {

    /** Most choices per request (each is a sequence in the engine). */
    public static final int MAX_N = 16;
    static final int MAX_STOP = 4;

    /** OpenAI parameters that mean nothing for a self-hosted model: accepted (type-checked) and ignored. */
    static void readNoOps(RequestReader r) {
        r.string("user");
        r.string("safety_identifier");
        r.string("prompt_cache_key");
        r.string("session_id");
        JsonNode metadata = r.raw("metadata");
        if (metadata != null) {
            if (!metadata.isObject() || metadata.size() > 16) throw ApiException.invalid("metadata", "'metadata' must be an object of at most 16 string values");
            for (JsonNode v : metadata) if (!v.isTextual()) throw ApiException.invalid("metadata", "'metadata' values must be strings");
        }
        if (r.bool("store", false)) throw ApiException.invalid("store", "'store': true is not supported: this server keeps no completions");
        String tier = r.string("service_tier");
        if (tier != null && !tier.equals("auto") && !tier.equals("default")) {
            throw ApiException.invalid("service_tier", "'service_tier' must be \"auto\" or \"default\" on this server, got \"" + tier + "\"");
        }
    }

    static GenerationOptions read(RequestReader r, int defaultN) {
        Double temperature = r.number("temperature", 0, false, 2);
        Double topP = r.number("top_p", 0, false, 1);
        Integer topK = r.integer("top_k", -1, Integer.MAX_VALUE);
        if (topK != null && topK == -1) topK = 0; // vLLM's "off"
        Double minP = r.number("min_p", 0, false, 1);
        Double topA = r.number("top_a", 0, false, 1);
        Double freq = r.number("frequency_penalty", -2, false, 2);
        Double pres = r.number("presence_penalty", -2, false, 2);
        Double rep = r.number("repetition_penalty", 0, true, 2);
        Long seed = r.int64("seed", Long.MIN_VALUE, Long.MAX_VALUE);
        Integer maxTokens = r.integer("max_tokens", 1, Integer.MAX_VALUE);
        Integer maxCompletion = r.integer("max_completion_tokens", 1, Integer.MAX_VALUE);
        Integer minTokens = r.integer("min_tokens", 0, Integer.MAX_VALUE);
        Map<Integer, Float> bias = logitBias(r.raw("logit_bias"));
        List<String> stop = stop(r.raw("stop"));
        List<Integer> stopTokenIds = new ArrayList<>();
        JsonNode sti = r.raw("stop_token_ids");
        if (sti != null) {
            if (!sti.isArray()) throw ApiException.invalid("stop_token_ids", "'stop_token_ids' must be an array of token ids");
            for (JsonNode t : sti) stopTokenIds.add((int) RequestReader.checkInteger("stop_token_ids", t, 0, Integer.MAX_VALUE));
        }
        Integer n = r.integer("n", 1, MAX_N);
        boolean stream = r.bool("stream", false);
        boolean includeUsage = false;
        JsonNode so = r.raw("stream_options");
        if (so != null) {
            if (!stream) throw ApiException.invalid("stream_options", "'stream_options' is only allowed when 'stream' is true");
            if (!so.isObject()) throw ApiException.invalid("stream_options", "'stream_options' must be an object");
            for (var it = so.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                switch (e.getKey()) {
                    case "include_usage" -> {
                        if (!e.getValue().isBoolean() && !e.getValue().isNull()) throw ApiException.invalid("stream_options.include_usage", "'stream_options.include_usage' must be a boolean");
                        includeUsage = e.getValue().asBoolean(false);
                    }
                    case "include_obfuscation", "continuous_usage_stats" -> {
                        if (!e.getValue().isBoolean() && !e.getValue().isNull()) throw ApiException.invalid("stream_options." + e.getKey(), "'stream_options." + e.getKey() + "' must be a boolean");
                    }
                    default -> throw ApiException.invalid("stream_options." + e.getKey(), "unknown stream option '" + e.getKey() + "'");
                }
            }
        }
        boolean ignoreEos = r.bool("ignore_eos", false);
        boolean skipSpecial = r.bool("skip_special_tokens", true);
        boolean tokenIds = r.bool("return_tokens_as_token_ids", false);
        if (minTokens != null && (maxCompletion != null ? maxCompletion : maxTokens != null ? maxTokens : Integer.MAX_VALUE) < minTokens) {
            throw ApiException.invalid("min_tokens", "'min_tokens' must not exceed max_tokens");
        }
        return new GenerationOptions(temperature, topP, topK, minP, topA, freq, pres, rep, seed,
                maxCompletion != null ? maxCompletion : maxTokens, minTokens, bias, stop, stopTokenIds,
                n == null ? defaultN : n, ignoreEos, skipSpecial, stream, includeUsage, tokenIds);
    }

    private static Map<Integer, Float> logitBias(JsonNode n) {
        Map<Integer, Float> out = new LinkedHashMap<>();
        if (n == null) return out;
        if (!n.isObject()) throw ApiException.invalid("logit_bias", "'logit_bias' must be an object mapping token ids to numbers");
        if (n.size() > 1024) throw ApiException.invalid("logit_bias", "'logit_bias' may hold at most 1024 tokens");
        for (var it = n.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey().strip());
            } catch (NumberFormatException ex) {
                throw ApiException.invalid("logit_bias", "'logit_bias' keys must be token ids, got \"" + e.getKey() + "\"");
            }
            if (id < 0) throw ApiException.invalid("logit_bias", "'logit_bias' key " + id + " is not a token id");
            out.put(id, (float) RequestReader.checkNumber("logit_bias", e.getValue(), -100, false, 100));
        }
        return out;
    }

    private static List<String> stop(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n == null) return out;
        if (n.isTextual()) {
            if (!n.textValue().isEmpty()) out.add(n.textValue());
            return out;
        }
        if (!n.isArray()) throw ApiException.invalid("stop", "'stop' must be a string or an array of strings");
        if (n.size() > MAX_STOP) throw ApiException.invalid("stop", "'stop' may hold at most " + MAX_STOP + " strings, got " + n.size());
        for (JsonNode s : n) {
            if (!s.isTextual()) throw ApiException.invalid("stop", "'stop' must be a string or an array of strings");
            if (!s.textValue().isEmpty()) out.add(s.textValue());
        }
        return out;
    }
}
