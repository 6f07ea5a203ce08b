package io.qwen4j.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** {@code chat.completion} and {@code chat.completion.chunk} objects. */
public final class ChatCompletionFormat extends ResponseFormat {

    public ChatCompletionFormat(String id, String model, String fingerprint, int logprobs) {
        super(id, model, fingerprint, logprobs);
    }

    @Override
    public ObjectNode response(List<ChoiceResult> choices, Usage usage) {
        ObjectNode r = head("chat.completion");
        ArrayNode cs = r.putArray("choices");
        for (int i = 0; i < choices.size(); i++) {
            ChoiceResult c = choices.get(i);
            ObjectNode ch = cs.addObject().put("index", i);
            ObjectNode m = ch.putObject("message");
            // As OpenAI: an answer that is only tool calls has null content.
            boolean onlyCalls = !c.toolCalls.isEmpty() && c.content.isEmpty();
            m.put("role", "assistant").put("content", onlyCalls ? null : c.content.toString()).putNull("refusal");
            m.put("reasoning", c.reasoning.isEmpty() ? null : c.reasoning.toString());
            ArrayNode calls = m.putArray("tool_calls");
            for (ChoiceResult.ToolCall t : c.toolCalls) {
                ObjectNode call = calls.addObject().put("id", t.id()).put("type", "function");
                call.putObject("function").put("name", t.name()).put("arguments", t.arguments().toString());
            }
            ch.set("logprobs", logprobs(c.logprobs));
            putEnd(ch, c.end);
        }
        r.set("usage", usage(usage));
        return r;
    }

    @Override
    public ObjectNode openChunk(int choice) {
        ObjectNode c = head(chunkObject());
        ObjectNode ch = c.putArray("choices").addObject().put("index", choice);
        ch.putObject("delta").put("role", "assistant").put("content", "").putNull("refusal");
        ch.putNull("logprobs");
        ch.putNull("finish_reason");
        return c;
    }

    @Override
    public ObjectNode deltaChunk(int choice, ChoiceDelta delta) {
        ObjectNode c = head(chunkObject());
        ObjectNode ch = c.putArray("choices").addObject().put("index", choice);
        ObjectNode d = ch.putObject("delta");
        if (!delta.content().isEmpty() || (delta.reasoning().isEmpty() && delta.toolCalls().isEmpty())) d.put("content", delta.content());
        if (!delta.reasoning().isEmpty()) d.put("reasoning", delta.reasoning());
        if (!delta.toolCalls().isEmpty()) {
            ArrayNode calls = d.putArray("tool_calls");
            for (ToolCallDelta t : delta.toolCalls()) {
                ObjectNode call = calls.addObject().put("index", t.index());
                if (t.id() != null) call.put("id", t.id()).put("type", "function");
                ObjectNode f = call.putObject("function");
                if (t.name() != null) f.put("name", t.name());
                f.put("arguments", t.arguments());
            }
        }
        ch.set("logprobs", logprobs(delta.logprobs()));
        ch.putNull("finish_reason");
        return c;
    }

    @Override
    public ObjectNode endChunk(int choice, ChoiceEnd end) {
        ObjectNode c = head(chunkObject());
        ObjectNode ch = c.putArray("choices").addObject().put("index", choice);
        ch.putObject("delta");
        ch.putNull("logprobs");
        putEnd(ch, end);
        return c;
    }

    @Override
    protected String chunkObject() {
        return "chat.completion.chunk";
    }

    @Override
    protected void errorChoice(ObjectNode choice) {
        choice.putObject("delta").put("content", "");
    }

    /** {@code {"content": [{token, logprob, bytes, top_logprobs}], "refusal": null}}, or null when not asked. */
    private ObjectNode logprobs(List<TokenLogprob> tokens) {
        if (logprobs < 0) return null;
        ObjectNode o = JSON.createObjectNode();
        ArrayNode content = o.putArray("content");
        for (TokenLogprob t : tokens) {
            ObjectNode e = entry(t);
            ArrayNode top = e.putArray("top_logprobs");
            for (TokenLogprob alt : t.top()) top.add(entry(alt));
            content.add(e);
        }
        o.putNull("refusal");
        return o;
    }

    private static ObjectNode entry(TokenLogprob t) {
        ObjectNode e = JSON.createObjectNode();
        e.put("token", t.token()).put("logprob", t.logprob());
        e.set("bytes", bytes(t.bytes()));
        return e;
    }
}
