package io.qwen4j.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/completions}, validated.
 *
 * @param prompts  one entry per prompt: a {@code String} or an {@code int[]} of token ids
 * @param logprobs -1: none; else the number of alternatives per token (0–20)
 * @param suffix   text to follow the completion (insertion), or null
 */
public record CompletionRequest(String model, List<Object> prompts, GenerationOptions options, int logprobs, String suffix) {

    /** OpenAI's default for the legacy endpoint when {@code max_tokens} is absent. */
    public static final int DEFAULT_MAX_TOKENS = 16;
    static final int MAX_PROMPTS = 16;

    public static CompletionRequest parse(JsonNode body, boolean lenient) {
        RequestReader r = new RequestReader(body);
        String model = r.requiredString("model");
        List<Object> prompts = prompts(r.raw("prompt"));
        GenerationOptions options = GenerationOptions.read(r, 1);
        if ((long) prompts.size() * options.n() > GenerationOptions.MAX_N) {
            throw ApiException.invalid("n", prompts.size() + " prompts × n " + options.n() + " exceed " + GenerationOptions.MAX_N + " choices");
        }
        Integer logprobs = r.integer("logprobs", 0, 20);
        if (r.bool("echo", false)) throw ApiException.invalid("echo", "'echo' is not supported yet");
        String suffix = r.string("suffix");
        Integer bestOf = r.integer("best_of", 1, GenerationOptions.MAX_N);
        if (bestOf != null && bestOf != options.n()) throw ApiException.invalid("best_of", "'best_of' must equal n (no server-side ranking)");
        GenerationOptions.readNoOps(r);
        if (!lenient) ChatCompletionRequest.refuseUnknown(r);
        return new CompletionRequest(model, prompts, options, logprobs == null ? -1 : logprobs,
                suffix == null || suffix.isEmpty() ? null : suffix);
    }

    private static List<Object> prompts(JsonNode p) {
        if (p == null) throw ApiException.invalid("prompt", "'prompt' is required");
        List<Object> out = new ArrayList<>();
        if (p.isTextual()) {
            out.add(p.textValue());
            return out;
        }
        String shape = "'prompt' must be a string, an array of strings, an array of token ids or an array of token-id arrays";
        if (!p.isArray() || p.isEmpty()) throw ApiException.invalid("prompt", shape);
        JsonNode first = p.get(0);
        if (first.isNumber()) {
            out.add(ids(p, "prompt"));
            return out;
        }
        if (p.size() > MAX_PROMPTS) throw ApiException.invalid("prompt", "at most " + MAX_PROMPTS + " prompts per request");
        for (int i = 0; i < p.size(); i++) {
            JsonNode e = p.get(i);
            if (e.isTextual()) out.add(e.textValue());
            else if (e.isArray()) out.add(ids(e, "prompt"));
            else throw ApiException.invalid("prompt", shape);
        }
        return out;
    }

    private static int[] ids(JsonNode array, String param) {
        if (array.isEmpty()) throw ApiException.invalid(param, "a token-id prompt must not be empty");
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = (int) RequestReader.checkInteger(param, array.get(i), 0, Integer.MAX_VALUE);
        return ids;
    }
}
