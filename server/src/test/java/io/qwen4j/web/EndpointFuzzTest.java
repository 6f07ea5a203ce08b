package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.kv.PagedKvCache;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of mutated valid requests (wrong types, out-of-range and huge numbers, deep nesting, huge strings,
 * broken JSON and UTF-8, unknown members) against the generation endpoints: every answer is a 2xx or a 4xx
 * with an OpenAI error body, never a 5xx, never a hang. Seeded, so a failure replays.
 */
@Tag("slow")
class EndpointFuzzTest {
    static final int REQUESTS = 3000;
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer("models/qwen3vl-tiny-Q8_0.gguf", List.of("tiny"), EngineConfig.builder(256).parallel(4).maxQueued(64).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F16).build(),
                ApiServer.Options.defaults().withMaxRequestBytes(512 << 10).withKeepAliveMillis(1000));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static List<ObjectNode> seeds() throws Exception {
        List<ObjectNode> out = new ArrayList<>();
        for (String json : List.of(
                "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi there\"}], \"max_tokens\": 3}",
                "{\"model\": \"tiny\", \"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"x\"}]}],"
                        + " \"max_tokens\": 2, \"temperature\": 0.7, \"top_p\": 0.9, \"top_k\": 5, \"min_p\": 0.05, \"seed\": 3, \"stop\": [\"a\"], \"n\": 2,"
                        + " \"logprobs\": true, \"top_logprobs\": 2, \"logit_bias\": {\"5\": 1.5}, \"frequency_penalty\": 0.5, \"presence_penalty\": 0.1,"
                        + " \"repetition_penalty\": 1.1, \"user\": \"u\", \"verbosity\": \"low\"}",
                "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": null,"
                        + " \"tool_calls\": [{\"id\": \"c\", \"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": \"{}\"}}]},"
                        + " {\"role\": \"tool\", \"tool_call_id\": \"c\", \"content\": \"42\"}], \"max_tokens\": 2, \"stream\": true,"
                        + " \"stream_options\": {\"include_usage\": true}}",
                "{\"model\": \"tiny\", \"prompt\": \"Once upon\", \"max_tokens\": 3, \"logprobs\": 3, \"echo\": false, \"temperature\": 0}",
                "{\"model\": \"tiny\", \"prompt\": [1, 2, 3, 4], \"max_tokens\": 2, \"stream\": true, \"return_tokens_as_token_ids\": true, \"ignore_eos\": true}",
                "{\"model\": \"tiny\", \"prompt\": [\"a\", \"b\"], \"max_tokens\": 2, \"n\": 2, \"stop\": \"x\"}")) {
            out.add((ObjectNode) TestServer.JSON.readTree(json));
        }
        return out;
    }

    /** A value of a random kind: wrong types, edge and huge numbers, nesting, huge and hostile strings. */
    static JsonNode randomValue(SplittableRandom r) {
        return switch (r.nextInt(22)) {
            case 0 -> F.nullNode();
            case 1 -> F.booleanNode(r.nextBoolean());
            case 2 -> F.numberNode(r.nextInt(-5, 50));
            case 3 -> F.numberNode(-1);
            case 4 -> F.numberNode(1e308);
            case 5 -> F.numberNode(new java.math.BigInteger("123456789012345678901234567890"));
            case 6 -> F.numberNode(r.nextDouble() * 4 - 2);
            case 7 -> F.numberNode(Double.MIN_VALUE);
            case 8 -> F.textNode("");
            case 9 -> F.textNode("x".repeat(r.nextInt(1, 200_000)));
            case 10 -> F.textNode("\ud800 lone \udfff surrogates \u0000 nul <|im_start|>system\n");
            case 11 -> F.textNode("<|im_end|><|endoftext|><think></think>");
            case 12 -> F.arrayNode();
            case 13 -> F.objectNode();
            case 14 -> nested(r.nextInt(1, 400));
            case 15 -> F.arrayNode().add(F.numberNode(r.nextInt(-10, 10_000))).add(F.textNode("s"));
            case 16 -> F.objectNode().put("type", "image_url").set("image_url", F.objectNode().put("url", "data:image/png;base64,AAAA"));
            case 17 -> F.objectNode().put("role", r.nextBoolean() ? "user" : "wizard").put("content", "c");
            case 18 -> F.numberNode(Long.MAX_VALUE);
            case 19 -> F.numberNode(r.nextInt(0, 5000));
            case 20 -> F.textNode(List.of("none", "auto", "required", "low", "high", "text", "json_object").get(r.nextInt(7)));
            default -> F.numberNode(-r.nextInt(1, 1_000_000));
        };
    }

    static JsonNode nested(int depth) {
        JsonNode n = F.textNode("deep");
        for (int i = 0; i < depth; i++) n = i % 2 == 0 ? F.arrayNode().add(n) : F.objectNode().set("k", n);
        return n;
    }

    static final List<String> NAMES = List.of("model", "messages", "prompt", "max_tokens", "max_completion_tokens", "temperature",
            "top_p", "top_k", "min_p", "top_a", "seed", "stop", "n", "logprobs", "top_logprobs", "logit_bias", "stream",
            "stream_options", "frequency_penalty", "presence_penalty", "repetition_penalty", "tools", "tool_choice",
            "response_format", "verbosity", "user", "metadata", "store", "service_tier", "ignore_eos", "min_tokens",
            "stop_token_ids", "chat_template_kwargs", "echo", "suffix", "best_of", "no_such_param", "reasoning");

    /** Mutates a copy of a seed at one to three places. */
    static ObjectNode mutate(ObjectNode seed, SplittableRandom r) {
        ObjectNode req = seed.deepCopy();
        int edits = r.nextInt(1, 4);
        for (int e = 0; e < edits; e++) {
            switch (r.nextInt(6)) {
                case 0 -> req.set(NAMES.get(r.nextInt(NAMES.size())), randomValue(r));
                case 1 -> req.remove(NAMES.get(r.nextInt(NAMES.size())));
                case 2 -> {
                    JsonNode m = req.get("messages");
                    if (m instanceof ArrayNode a && !a.isEmpty() && a.get(0) instanceof ObjectNode msg) {
                        msg.set(r.nextBoolean() ? "content" : List.of("role", "name", "tool_calls").get(r.nextInt(3)), randomValue(r));
                    } else {
                        req.set("prompt", randomValue(r));
                    }
                }
                case 3 -> {
                    JsonNode m = req.get("messages");
                    if (m instanceof ArrayNode a) a.add(randomValue(r));
                }
                case 4 -> req.set("logit_bias", F.objectNode().set(Integer.toString(r.nextInt(-5, 10_000)), randomValue(r)));
                default -> req.set("stream", F.booleanNode(r.nextBoolean()));
            }
        }
        return req;
    }

    /** Byte-level damage to serialized JSON: truncation, flipped bytes, invalid UTF-8. */
    static byte[] damage(byte[] body, SplittableRandom r) {
        byte[] b = body.clone();
        switch (r.nextInt(3)) {
            case 0 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
            case 1 -> {
                for (int i = 0; i < 3; i++) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            default -> {
                int at = Math.max(1, new String(b, StandardCharsets.ISO_8859_1).indexOf("\"", 20) + 1);
                byte[] bad = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xED, (byte) 0xA0, (byte) 0x80};
                byte[] out = new byte[b.length + bad.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(bad, 0, out, at, bad.length);
                System.arraycopy(b, at, out, at + bad.length, b.length - at);
                b = out;
            }
        }
        return b;
    }

    @Test
    void mutatedRequestsNeverCauseA5xxOrAHang() throws Exception {
        SplittableRandom r = new SplittableRandom(20260901);
        List<ObjectNode> seeds = seeds();
        Map<Integer, Integer> statuses = new TreeMap<>();
        long start = System.nanoTime();
        for (int i = 0; i < REQUESTS; i++) {
            ObjectNode seed = seeds.get(r.nextInt(seeds.size()));
            String path = seed.has("messages") ? "/v1/chat/completions" : "/v1/completions";
            if (r.nextInt(10) == 0) path = path.equals("/v1/completions") ? "/v1/chat/completions" : "/v1/completions";
            ObjectNode req = mutate(seed, r);
            // Keep generation short: this test is about the protocol, not the model.
            if (req.path("max_tokens").isNumber() && req.get("max_tokens").asDouble() > 8) req.put("max_tokens", 8);
            byte[] body = TestServer.JSON.writeValueAsBytes(req);
            if (r.nextInt(8) == 0) body = damage(body, r);
            HttpResponse<String> resp = s.http.send(HttpRequest.newBuilder(s.uri(path)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            int status = resp.statusCode();
            statuses.merge(status, 1, Integer::sum);
            String context = "seed 20260901 request " + i + " to " + path + ": " + abbreviate(new String(body, StandardCharsets.UTF_8)) + " → " + abbreviate(resp.body());
            assertThat(status).as(context).isIn(200, 400, 404, 413);
            if (status != 200) {
                JsonNode err = TestServer.JSON.readTree(resp.body()).get("error");
                assertThat(err.get("message").asText()).as(context).isNotBlank();
                assertThat(err.get("type").asText()).as(context).isNotBlank();
            } else if (resp.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
                assertThat(resp.body()).as(context).endsWith("data: [DONE]\n\n").doesNotContain("\"finish_reason\":\"error\"");
            } else {
                assertThat(TestServer.JSON.readTree(resp.body()).get("choices").isArray()).as(context).isTrue();
            }
        }
        System.out.printf("fuzz: %d requests in %.1f s, statuses %s%n", REQUESTS, (System.nanoTime() - start) / 1e9, statuses);
        assertThat(statuses.getOrDefault(200, 0)).isGreaterThan(REQUESTS / 20);
        assertThat(statuses.getOrDefault(400, 0)).isGreaterThan(REQUESTS / 4);
        assertThat(s.backend.engine().running()).isZero();
    }

    static String abbreviate(String s) {
        return s.length() > 400 ? s.substring(0, 400) + "…(" + s.length() + " chars)" : s;
    }

    /**
     * Image parts, mutated: damaged and truncated PNG/JPEG/GIF/BMP bytes, declared sizes changed, wrong media types,
     * broken base64, odd part shapes and URLs, against a server with a vision tower (the tiny model and its F16
     * mmproj). Every answer is a 200 or a 400; never a 5xx, never a hang.
     */
    @Test
    void mutatedImagePartsNeverCauseA5xxOrAHang() throws Exception {
        List<byte[]> images = new ArrayList<>();
        images.add(java.nio.file.Files.readAllBytes(TestServer.testdata("hf/tiny-a/images/grad_64x64.png")));
        images.add(java.nio.file.Files.readAllBytes(TestServer.testdata("hf/tiny-a/images/stripes_100x37.png")));
        java.awt.image.BufferedImage picture = new java.awt.image.BufferedImage(50, 40, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) for (int x = 0; x < 50; x++) picture.setRGB(x, y, (x * 5) << 16 | (y * 6) << 8 | 77);
        for (String format : List.of("jpeg", "gif", "bmp")) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(picture, format, out);
            images.add(out.toByteArray());
        }
        List<String> mimes = List.of("image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp", "image/tiff", "text/plain", "", "image/svg+xml");
        SplittableRandom r = new SplittableRandom(20260902);
        Map<Integer, Integer> statuses = new TreeMap<>();
        try (TestServer v = new TestServer("models/qwen3vl-tiny-Q8_0.gguf", "models/mmproj-qwen3vl-tiny-F16.gguf",
                io.qwen4j.local.ImageOptions.defaults().withMaxDecodedPixels(4_000_000).withMaxImagesPerRequest(3), List.of("tiny"),
                EngineConfig.builder(1024).parallel(2).maxQueued(64).stepTokenBudget(256).kvStorage(PagedKvCache.Storage.F16).build(), ApiServer.Options.defaults())) {
            for (int i = 0; i < 150; i++) {
                byte[] img = images.get(r.nextInt(images.size())).clone();
                switch (r.nextInt(6)) {
                    case 0 -> img = java.util.Arrays.copyOf(img, r.nextInt(img.length));
                    case 1 -> {
                        for (int k = r.nextInt(1, 8); k > 0; k--) img[r.nextInt(img.length)] = (byte) r.nextInt(256);
                    }
                    case 2 -> {
                        for (int k = 6; k < Math.min(26, img.length); k++) if (r.nextInt(3) == 0) img[k] = (byte) r.nextInt(256); // header sizes
                    }
                    default -> {
                    }
                }
                String mime = r.nextInt(4) == 0 ? mimes.get(r.nextInt(mimes.size())) : "image/png";
                String b64 = java.util.Base64.getEncoder().encodeToString(img);
                String url = switch (r.nextInt(12)) {
                    case 0 -> "data:" + mime + "," + b64;
                    case 1 -> "data:" + mime + ";base64," + b64.substring(0, r.nextInt(b64.length() + 1)) + "=*";
                    case 2 -> List.of("http://10.0.0.1/x.png", "ftp://x/y.png", "http://", "https://[::1]:0/a", "javascript:alert(1)", "//x").get(r.nextInt(6));
                    default -> "data:" + mime + ";base64," + b64;
                };
                ObjectNode part = F.objectNode();
                switch (r.nextInt(5)) {
                    case 0 -> part.put("type", "image_url").put("image_url", url);
                    case 1 -> part.put("type", "image").put("image", url);
                    case 2 -> part.put("type", "image_url").set("image_url", r.nextBoolean() ? randomValue(r) : F.objectNode().put("url", url).put("detail", "low"));
                    default -> part.put("type", "image_url").set("image_url", F.objectNode().put("url", url));
                }
                ObjectNode req = F.objectNode().put("model", "tiny").put("max_tokens", 1).put("stream", r.nextInt(4) == 0);
                ArrayNode content = req.putArray("messages").addObject().put("role", r.nextInt(10) == 0 ? "assistant" : "user").putArray("content");
                for (int k = r.nextInt(1, 5); k > 0; k--) content.add(part.deepCopy());
                content.addObject().put("type", "text").put("text", "what is it?");
                byte[] body = TestServer.JSON.writeValueAsBytes(req);
                HttpResponse<String> resp = v.http.send(HttpRequest.newBuilder(v.uri("/v1/chat/completions")).timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                statuses.merge(resp.statusCode(), 1, Integer::sum);
                String context = "seed 20260902 image request " + i + ": " + abbreviate(new String(body, StandardCharsets.UTF_8)) + " → " + abbreviate(resp.body());
                assertThat(resp.statusCode()).as(context).isIn(200, 400);
                if (resp.statusCode() == 400) {
                    JsonNode err = TestServer.JSON.readTree(resp.body()).get("error");
                    assertThat(err.get("param").asText()).as(context).startsWith("messages[0]");
                } else if (resp.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
                    assertThat(resp.body()).as(context).endsWith("data: [DONE]\n\n").doesNotContain("\"finish_reason\":\"error\"");
                }
            }
            assertThat(v.backend.engine().running()).isZero();
        }
        System.out.printf("image fuzz: statuses %s%n", statuses);
        assertThat(statuses.getOrDefault(200, 0)).isGreaterThan(10);
        assertThat(statuses.getOrDefault(400, 0)).isGreaterThan(30);
    }
}
