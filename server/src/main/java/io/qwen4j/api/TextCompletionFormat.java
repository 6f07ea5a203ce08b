package io.qwen4j.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** {@code text_completion} objects (the legacy completions endpoint), whole and streamed. */
public final class TextCompletionFormat extends ResponseFormat {
    /** Characters of text already sent per choice (for {@code text_offset} across stream chunks). */
    private final int[] offsets;

    public TextCompletionFormat(String id, String model, String fingerprint, int logprobs, int choices) {
        super(id, model, fingerprint, logprobs);
        this.offsets = new int[choices];
    }

    @Override
    public ObjectNode response(List<ChoiceResult> choices, Usage usage) {
        ObjectNode r = head("text_completion");
        ArrayNode cs = r.putArray("choices");
        for (int i = 0; i < choices.size(); i++) {
            ChoiceResult c = choices.get(i);
            ObjectNode ch = cs.addObject().put("index", i).put("text", c.content.toString());
            ch.set("logprobs", logprobs(c.logprobs, new int[1]));
            putEnd(ch, c.end);
        }
        r.set("usage", usage(usage));
        return r;
    }

    @Override
    public ObjectNode openChunk(int choice) {
        return null;
    }

    @Override
    public ObjectNode deltaChunk(int choice, ChoiceDelta delta) {
        ObjectNode c = head(chunkObject());
        ObjectNode ch = c.putArray("choices").addObject().put("index", choice).put("text", delta.content());
        int[] offset = {offsets[choice]};
        ch.set("logprobs", logprobs(delta.logprobs(), offset));
        offsets[choice] = offset[0];
        ch.putNull("finish_reason");
        return c;
    }

    @Override
    public ObjectNode endChunk(int choice, ChoiceEnd end) {
        ObjectNode c = head(chunkObject());
        ObjectNode ch = c.putArray("choices").addObject().put("index", choice).put("text", "");
        ch.putNull("logprobs");
        putEnd(ch, end);
        return c;
    }

    @Override
    protected String chunkObject() {
        return "text_completion";
    }

    @Override
    protected void errorChoice(ObjectNode choice) {
        choice.put("text", "");
    }

    /**
     * {@code {tokens, token_logprobs, top_logprobs: [{token: logprob}], text_offset}}; the top entries hold
     * the most likely alternatives and, as in vLLM, the chosen token.
     */
    private ObjectNode logprobs(List<TokenLogprob> tokens, int[] offset) {
        if (logprobs < 0) return null;
        ObjectNode o = JSON.createObjectNode();
        ArrayNode ts = o.putArray("tokens"), lps = o.putArray("token_logprobs"), tops = o.putArray("top_logprobs"), offs = o.putArray("text_offset");
        for (TokenLogprob t : tokens) {
            ts.add(t.token());
            lps.add(t.logprob());
            ObjectNode top = tops.addObject();
            for (TokenLogprob alt : t.top()) if (!top.has(alt.token())) top.put(alt.token(), alt.logprob());
            if (!top.has(t.token())) top.put(t.token(), t.logprob());
            offs.add(offset[0]);
            offset[0] += new String(t.bytes(), java.nio.charset.StandardCharsets.UTF_8).length();
        }
        return o;
    }
}
