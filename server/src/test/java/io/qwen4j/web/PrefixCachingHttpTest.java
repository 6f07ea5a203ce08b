package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.api.UsageReport;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.kv.PagedKvCache;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code usage.prompt_tokens_details.cached_tokens} over HTTP on the tiny Q8_0 model: exactly the prompt tokens
 * whose KV blocks (16 tokens each) were reused, in plain and streamed answers, on both endpoints, and in the usage
 * report the gateway bills; nothing with prefix caching off.
 */
class PrefixCachingHttpTest {
    static final int BLOCK = 16;
    static final String SYSTEM = "You are the help desk of a small observatory. Answer visitors in one or two sentences,"
            + " mention opening hours when asked, and never promise clear skies.";

    static ObjectNode chat(String user) {
        ObjectNode body = TestServer.JSON.createObjectNode().put("model", "tiny").put("temperature", 0).put("max_tokens", 6)
                .put("ignore_eos", true);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", SYSTEM);
        messages.addObject().put("role", "user").put("content", user);
        return body;
    }

    static int[] tokens(TestServer s, ObjectNode chat) throws Exception {
        ObjectNode req = TestServer.JSON.createObjectNode();
        req.set("messages", chat.get("messages"));
        JsonNode ids = s.post("/tokenize", req).body().get("tokens");
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) out[i] = ids.get(i).asInt();
        return out;
    }

    static int cached(JsonNode usage) {
        return usage.get("prompt_tokens_details").get("cached_tokens").asInt();
    }

    static TestServer server(boolean prefixCaching) throws Exception {
        return new TestServer("models/qwen3vl-tiny-Q8_0.gguf", List.of("tiny"),
                EngineConfig.builder(1024).parallel(2).maxQueued(4).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F16).prefixCaching(prefixCaching).build(), ApiServer.Options.defaults());
    }

    @Test
    void cachedTokensAreExactlyTheReusedPromptTokens() throws Exception {
        try (TestServer s = server(true)) {
            ObjectNode first = chat("When do you open on Sundays?");
            int[] prompt = tokens(s, first);
            JsonNode a = s.post("/v1/chat/completions", first).body();
            assertThat(a.get("usage").get("prompt_tokens").asInt()).isEqualTo(prompt.length);
            assertThat(cached(a.get("usage"))).isZero();

            // The same chat again: every full block before the last 4 prompt tokens (always computed).
            JsonNode b = s.post("/v1/chat/completions", first).body();
            int all = (prompt.length - 4) / BLOCK * BLOCK;
            assertThat(all).isGreaterThanOrEqualTo(2 * BLOCK);
            assertThat(cached(b.get("usage"))).isEqualTo(all);
            assertThat(b.get("choices").get(0).get("message")).isEqualTo(a.get("choices").get(0).get("message"));
            assertThat(s.usage.getLast().usage().cachedTokens()).isEqualTo(all); // what the gateway bills

            // Streamed, with the usage chunk.
            ObjectNode streamed = first.deepCopy().put("stream", true);
            streamed.putObject("stream_options").put("include_usage", true);
            List<JsonNode> events = TestServer.events(s.post("/v1/chat/completions", streamed).raw().body());
            JsonNode usageChunk = events.stream().filter(e -> e.isObject() && e.hasNonNull("usage")).findFirst().orElseThrow();
            assertThat(cached(usageChunk.get("usage"))).isEqualTo(all);

            // Another conversation with the same system prompt: the full blocks of the common prefix.
            ObjectNode other = chat("Can children visit the telescope?");
            int[] otherPrompt = tokens(s, other);
            int common = 0;
            while (prompt[common] == otherPrompt[common]) common++;
            JsonNode c = s.post("/v1/chat/completions", other).body();
            assertThat(cached(c.get("usage"))).isEqualTo(Math.min(common, otherPrompt.length - 4) / BLOCK * BLOCK).isPositive();

            // /v1/completions, the chat's tokens as the prompt, two choices: each reused the same blocks.
            ObjectNode completion = TestServer.JSON.createObjectNode().put("model", "tiny").put("max_tokens", 3).put("n", 2);
            ArrayNode ids = completion.putArray("prompt");
            for (int id : prompt) ids.add(id);
            JsonNode d = s.post("/v1/completions", completion).body();
            assertThat(d.get("usage").get("prompt_tokens").asInt()).isEqualTo(prompt.length);
            assertThat(cached(d.get("usage"))).isEqualTo(all);
            assertThat(s.usage.getLast().outcome()).isEqualTo(UsageReport.Outcome.SUCCESS);
            assertThat(s.backend.engine().cachedKvBlocks()).isPositive();
        }
    }

    @Test
    void withPrefixCachingOffNothingIsReused() throws Exception {
        try (TestServer s = server(false)) {
            ObjectNode first = chat("When do you open on Sundays?");
            JsonNode a = s.post("/v1/chat/completions", first).body(), b = s.post("/v1/chat/completions", first).body();
            assertThat(cached(a.get("usage"))).isZero();
            assertThat(cached(b.get("usage"))).isZero();
            assertThat(b.get("choices").get(0).get("message")).isEqualTo(a.get("choices").get(0).get("message"));
            assertThat(s.backend.engine().cachedKvBlocks()).isZero();
        }
    }
}
