package io.qwen4j.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The JSON of one endpoint's answers, whole and streamed. One instance per request (it carries the id,
 * creation time, model name and fingerprint every chunk repeats).
 */
public abstract class ResponseFormat {
    protected static final ObjectMapper JSON = new ObjectMapper();
    protected final String id;
    protected final long created;
    protected final String model;
    protected final String fingerprint;
    protected final int logprobs;

    protected ResponseFormat(String id, String model, String fingerprint, int logprobs) {
        this.id = id;
        this.created = System.currentTimeMillis() / 1000;
        this.model = model;
        this.fingerprint = fingerprint;
        this.logprobs = logprobs;
    }

    public String id() {
        return id;
    }

    public abstract ObjectNode response(List<ChoiceResult> choices, Usage usage);

    /** The chunk that opens a choice's stream (chat: the role), or null. */
    public abstract ObjectNode openChunk(int choice);

    public abstract ObjectNode deltaChunk(int choice, ChoiceDelta delta);

    public abstract ObjectNode endChunk(int choice, ChoiceEnd end);

    /** The last chunk when {@code stream_options.include_usage}: no choices, just usage. */
    public ObjectNode usageChunk(Usage usage) {
        ObjectNode c = head(chunkObject());
        c.putArray("choices");
        c.set("usage", usage(usage));
        return c;
    }

    /** An error after the stream started: OpenRouter's shape (top-level error, finish_reason "error"). */
    public ObjectNode errorChunk(int choices, ApiException e) {
        ObjectNode c = head(chunkObject());
        ArrayNode cs = c.putArray("choices");
        for (int i = 0; i < choices; i++) {
            ObjectNode ch = cs.addObject().put("index", i);
            errorChoice(ch);
            ch.put("finish_reason", "error");
        }
        c.set("error", ErrorBody.of(JSON, e).get("error"));
        return c;
    }

    protected abstract String chunkObject();

    protected abstract void errorChoice(ObjectNode choice);

    protected ObjectNode head(String object) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id).put("object", object).put("created", created).put("model", model).put("system_fingerprint", fingerprint);
        return o;
    }

    public static ObjectNode usage(Usage u) {
        ObjectNode o = JSON.createObjectNode();
        o.put("prompt_tokens", u.promptTokens()).put("completion_tokens", u.completionTokens()).put("total_tokens", u.totalTokens());
        o.putObject("prompt_tokens_details").put("cached_tokens", u.cachedTokens());
        o.putObject("completion_tokens_details").put("reasoning_tokens", u.reasoningTokens());
        return o;
    }

    protected static void putEnd(ObjectNode choice, ChoiceEnd end) {
        choice.put("finish_reason", end == null ? null : end.finishReason().wireName());
        choice.put("native_finish_reason", end == null ? null : end.nativeFinishReason());
        Object stop = end == null ? null : end.stopReason();
        if (stop instanceof Integer i) choice.put("stop_reason", i);
        else choice.put("stop_reason", (String) stop);
    }

    protected static ArrayNode bytes(byte[] b) {
        ArrayNode a = JSON.createArrayNode();
        for (byte x : b) a.add(x & 0xff);
        return a;
    }
}
