package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.local.ImageOptions;
import io.qwen4j.local.LocalImageHost;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Image chat through the HTTP API, as {@code serve --model tiny-a-F32.gguf --mmproj mmproj-tiny-a-F32.gguf
 * --kv-cache-type f32}: every image chat of testdata/hf against Hugging Face transformers (all 24 greedy tokens
 * exactly, top-10 logprobs within 1e-4, prompt ids via /tokenize), images as data URIs and as URLs of a local HTTP
 * server; the OpenAI SDK's image part; and every kind of bad image refused with a 400 naming its part. The step
 * budget is small so that prefills are cut into chunks through the images.
 */
class ImageChatTest {
    static final double HF_TOLERANCE = 1e-4;
    static final Path IMAGES = TestServer.testdata("hf/tiny-a/images").toAbsolutePath().normalize();
    static final Map<String, Double> WORST = new TreeMap<>();
    static TestServer open, strict;
    static LocalImageHost host;

    @BeforeAll
    static void start() throws Exception {
        host = new LocalImageHost(IMAGES);
        EngineConfig config = EngineConfig.builder(1024).parallel(2).maxQueued(8).stepTokenBudget(100).kvStorage(PagedKvCache.Storage.F32).build();
        open = TestServer.tinyAVision(ImageOptions.defaults().withAllowPrivateUrls(true).withMaxImageBytes(1_000_000)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)), config);
        strict = TestServer.tinyAVision(ImageOptions.defaults().withMaxImagesPerRequest(2).withMaxImageBytes(100_000)
                .withMaxDecodedPixels(1_000_000), config.toBuilder().parallel(1).build());
    }

    @AfterAll
    static void stop() {
        open.close();
        strict.close();
        host.close();
        System.out.println("through HTTP, image chats vs transformers, max |dlogprob|: " + WORST);
    }

    static JsonNode ref(String name) throws Exception {
        return TestServer.JSON.readTree(Files.readString(TestServer.testdata("hf/tiny-a/chats/" + name + ".json")));
    }

    static String dataUri(String file) throws Exception {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(IMAGES.resolve(file)));
    }

    static String dataUri(String mime, byte[] bytes) {
        return "data:" + mime + ";base64," + Base64.getEncoder().encodeToString(bytes);
    }

    static ObjectNode imageUrl(String url) {
        ObjectNode part = TestServer.JSON.createObjectNode().put("type", "image_url");
        part.putObject("image_url").put("url", url).put("detail", "auto");
        return part;
    }

    /**
     * The reference's messages with each {@code {"type": "image", "image": "images/x.png"}} made an OpenAI part by
     * {@code toPart} (file name, index of the image in the conversation).
     */
    static ArrayNode messages(JsonNode ref, java.util.function.BiFunction<String, Integer, JsonNode> toPart) {
        ArrayNode out = ref.get("messages").deepCopy();
        int k = 0;
        for (JsonNode m : out) {
            if (!m.get("content").isArray()) continue;
            ArrayNode content = (ArrayNode) m.get("content");
            for (int j = 0; j < content.size(); j++) {
                if (!content.get(j).path("type").asText().equals("image")) continue;
                content.set(j, toPart.apply(content.get(j).get("image").asText().replace("images/", ""), k++));
            }
        }
        return out;
    }

    /** Data URIs, but some images as URLs and in the other accepted shapes, so that each path meets HF's numbers. */
    static JsonNode part(String name, String file, int k) {
        try {
            return switch (name) {
                case "i_two_images" -> k == 1 ? imageUrl(host.url("/images/" + file)) : imageUrl(dataUri(file));
                case "i_multiturn" -> TestServer.JSON.createObjectNode().put("type", "image_url").put("image_url", host.url("/images/" + file));
                case "i_alpha" -> TestServer.JSON.createObjectNode().put("type", "image").put("image", dataUri(file));
                default -> imageUrl(dataUri(file));
            };
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Tag("slow")
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"i_grad64", "i_stripes", "i_checker_system", "i_shapes_textfirst", "i_noisy_1040x720", "i_alpha",
            "i_two_images", "i_multiturn"})
    void imageChatsAgreeWithHuggingFace(String name) throws Exception {
        JsonNode ref = ref(name);
        ObjectNode body = TestServer.JSON.createObjectNode().put("model", "tiny-a");
        body.set("messages", messages(ref, (file, k) -> part(name, file, k)));
        body.put("temperature", 0).put("logprobs", true).put("top_logprobs", 10).put("max_tokens", 24)
                .put("ignore_eos", true).put("return_tokens_as_token_ids", true);
        TestServer.Answer a = open.post("/v1/chat/completions", body);
        assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
        assertThat(a.body().get("usage").get("prompt_tokens").asInt()).isEqualTo(ref.get("n_prompt_tokens").asInt());
        double worst = compareWithReference(name, a.body().get("choices").get(0), ref);
        synchronized (WORST) {
            WORST.put(name, worst);
        }

        // The prompt as /tokenize shows it: the processor's input_ids, each image's pad run expanded.
        ObjectNode tok = TestServer.JSON.createObjectNode().put("model", "tiny-a");
        tok.set("messages", body.get("messages"));
        TestServer.Answer t = open.post("/tokenize", tok);
        assertThat(t.status()).as(t.raw().body()).isEqualTo(200);
        int[] ids = new int[t.body().get("tokens").size()];
        for (int i = 0; i < ids.length; i++) ids[i] = t.body().get("tokens").get(i).asInt();
        assertThat(ids).containsExactly(ints(ref.get("input_ids")));
        assertThat(t.body().get("count").asInt()).isEqualTo(ref.get("n_prompt_tokens").asInt());
    }

    /** All 24 greedy tokens equal; the reference's top-10 logprobs within the tolerance; returns the largest difference. */
    static double compareWithReference(String name, JsonNode choice, JsonNode ref) {
        ArrayNode content = (ArrayNode) choice.get("logprobs").get("content");
        JsonNode steps = ref.get("generation").get("steps");
        assertThat(content.size()).isEqualTo(24);
        double worst = 0;
        for (int k = 0; k < 24; k++) {
            JsonNode mine = content.get(k);
            assertThat(ReferenceAgreementTest.tokenId(mine.get("token").asText())).as("%s step %d", name, k).isEqualTo(steps.get(k).get("token").asInt());
            Map<Integer, Double> top = new TreeMap<>();
            for (JsonNode e : mine.get("top_logprobs")) top.put(ReferenceAgreementTest.tokenId(e.get("token").asText()), e.get("logprob").asDouble());
            int found = 0;
            for (JsonNode e : steps.get(k).get("top10")) {
                Double got = top.get(e.get(0).asInt());
                if (got == null) continue; // order may differ only between near-ties at the tail
                found++;
                double d = Math.abs(got - e.get(1).asDouble());
                worst = Math.max(worst, d);
                assertThat(d).as("%s step %d id %d", name, k, e.get(0).asInt()).isLessThanOrEqualTo(HF_TOLERANCE);
            }
            assertThat(found).as("%s step %d: reference top-10 ids among ours", name, k).isGreaterThanOrEqualTo(9);
        }
        return worst;
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    @Test
    void severalChoicesShareTheImageAndStreamTheSameTokens() throws Exception {
        JsonNode ref = ref("i_grad64");
        ObjectNode body = TestServer.JSON.createObjectNode().put("model", "tiny-a");
        body.set("messages", messages(ref, (file, k) -> part("i_grad64", file, k)));
        body.put("temperature", 0).put("logprobs", true).put("top_logprobs", 10).put("max_tokens", 24).put("n", 2)
                .put("ignore_eos", true).put("return_tokens_as_token_ids", true);
        TestServer.Answer a = open.post("/v1/chat/completions", body);
        assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
        for (JsonNode choice : a.body().get("choices")) compareWithReference("i_grad64 n=2", choice, ref);
        assertThat(a.body().get("usage").get("prompt_tokens").asInt()).isEqualTo(82);

        body.put("stream", true).put("n", 1).putObject("stream_options").put("include_usage", true);
        TestServer.Answer s = open.post("/v1/chat/completions", body);
        assertThat(s.status()).isEqualTo(200);
        List<JsonNode> events = TestServer.events(s.raw().body());
        assertThat(events.get(events.size() - 2).get("usage").get("prompt_tokens").asInt()).isEqualTo(82);
    }

    @Test
    void modelCardsSayWhichServerReadsImages() throws Exception {
        JsonNode card = open.get("/v1/models/tiny-a").body();
        assertThat(card.get("architecture").get("input_modalities")).hasToString("[\"text\",\"image\"]");
        assertThat(card.get("architecture").get("modality").asText()).isEqualTo("text+image->text");
    }

    @Test
    void theOpenAiSdkSendsAnImagePart() throws Exception {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + open.server.port() + "/v1").apiKey("none")
                .maxRetries(0).build();
        try {
            ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model("tiny-a")
                    .addUserMessageOfArrayOfContentParts(List.of(
                            ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder().imageUrl(
                                    ChatCompletionContentPartImage.ImageUrl.builder().url(dataUri("grad_64x64.png"))
                                            .detail(ChatCompletionContentPartImage.ImageUrl.Detail.HIGH).build()).build()),
                            ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("Describe this image.").build())))
                    .temperature(0.0).maxCompletionTokens(24).logprobs(true).topLogprobs(10).build());
            assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(82);
            JsonNode steps = ref("i_grad64").get("generation").get("steps");
            var content = c.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
            // The reference generates no end token; the first steps' logprobs are the reference's (as strings here).
            for (int k = 0; k < Math.min(5, content.size()); k++) {
                assertThat(content.get(k).logprob()).isCloseTo(steps.get(k).get("top10").get(0).get(1).asDouble(), org.assertj.core.data.Offset.offset(HF_TOLERANCE));
            }
        } finally {
            client.close();
        }
    }

    @Tag("slow")
    @Test
    void readsPngJpegGifAndBmp() throws Exception {
        java.awt.image.BufferedImage picture = new java.awt.image.BufferedImage(120, 90, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 90; y++) for (int x = 0; x < 120; x++) picture.setRGB(x, y, (x * 2) << 16 | (y * 2) << 8 | ((x ^ y) & 0xFF));
        for (String format : List.of("png", "jpeg", "gif", "bmp")) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            assertThat(javax.imageio.ImageIO.write(picture, format, bytes)).isTrue();
            ObjectNode body = TestServer.JSON.createObjectNode().put("model", "tiny-a").put("max_tokens", 2);
            body.putArray("messages").addObject().put("role", "user").set("content", parts(imageUrl(dataUri("image/" + format, bytes.toByteArray()))));
            TestServer.Answer a = open.post("/v1/chat/completions", body);
            assertThat(a.status()).as(format + ": " + a.raw().body()).isEqualTo(200);
            // 120×90 → smart_resize to ≥ 65,536 pixels: 320×224 → 70 image tokens.
            assertThat(a.body().get("usage").get("prompt_tokens").asInt()).as(format).isEqualTo(expectedPromptTokens(70));
        }
    }

    @Test
    void theSameImageAgainComesFromThePrefixCacheAndAnotherImageDoesNot() throws Exception {
        // Pictures no other test sends; the second request has the first picture's pixels in other bytes (BMP, not PNG).
        java.awt.image.BufferedImage first = new java.awt.image.BufferedImage(160, 128, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.image.BufferedImage other = new java.awt.image.BufferedImage(160, 128, java.awt.image.BufferedImage.TYPE_INT_RGB);
        Random random = new Random(42);
        for (int y = 0; y < 128; y++) {
            for (int x = 0; x < 160; x++) {
                first.setRGB(x, y, random.nextInt(1 << 24));
                other.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        List<JsonNode> answers = new java.util.ArrayList<>();
        for (Object[] request : new Object[][] {{first, "png"}, {first, "bmp"}, {other, "png"}}) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            assertThat(javax.imageio.ImageIO.write((java.awt.image.BufferedImage) request[0], (String) request[1], bytes)).isTrue();
            ObjectNode body = TestServer.JSON.createObjectNode().put("model", "tiny-a").put("max_tokens", 6).put("temperature", 0)
                    .put("ignore_eos", true);
            body.putArray("messages").addObject().put("role", "user")
                    .set("content", parts(imageUrl(dataUri("image/" + request[1], bytes.toByteArray()))));
            TestServer.Answer a = open.post("/v1/chat/completions", body);
            assertThat(a.status()).as(a.raw().body()).isEqualTo(200);
            answers.add(a.body());
        }
        int prompt = answers.getFirst().get("usage").get("prompt_tokens").asInt();
        // "Look:" and the tokens before the image are under one 16-token block: only the image can make a hit.
        int[] cached = answers.stream().mapToInt(a -> a.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt()).toArray();
        assertThat(cached).containsExactly(0, (prompt - 4) / 16 * 16, 0); // blocks of 16, the last 4 tokens computed
        assertThat(answers.get(1).get("choices").get(0).get("message")).isEqualTo(answers.getFirst().get("choices").get(0).get("message"));
    }

    /** Prompt tokens of the refusal tests' message ("Look:" + one image) with an image of {@code n} tokens. */
    static int expectedPromptTokens(int n) throws Exception {
        ObjectNode tok = TestServer.JSON.createObjectNode().put("model", "tiny-a").put("prompt",
                "<|im_start|>user\nLook:<|vision_start|><|image_pad|><|vision_end|><|im_end|>\n<|im_start|>assistant\n");
        return open.post("/tokenize", tok).body().get("count").asInt() - 1 + n;
    }

    // ---- refusals

    static JsonNode refused(TestServer s, ArrayNode content, String param, String message) throws Exception {
        ObjectNode body = TestServer.JSON.createObjectNode().put("model", "tiny-a").put("max_tokens", 2);
        body.putArray("messages").addObject().put("role", "user").set("content", content);
        TestServer.Answer a = s.post("/v1/chat/completions", body);
        assertThat(a.status()).as(a.raw().body()).isEqualTo(400);
        JsonNode error = a.body().get("error");
        assertThat(error.get("param").asText()).as(a.raw().body()).isEqualTo(param);
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).contains(message);
        return error;
    }

    static ArrayNode parts(JsonNode... parts) {
        ArrayNode a = TestServer.JSON.createArrayNode();
        a.add(TestServer.JSON.createObjectNode().put("type", "text").put("text", "Look:"));
        for (JsonNode p : parts) a.add(p);
        return a;
    }

    @Test
    void badImagesAreRefusedNamingTheirPart() throws Exception {
        byte[] png = Files.readAllBytes(IMAGES.resolve("checker_448x448.png"));
        refused(strict, parts(imageUrl(dataUri("image/png", Arrays.copyOf(png, png.length / 2)))), "messages[0].content[1]", "corrupt or unreadable PNG image");
        byte[] bomb = Files.readAllBytes(IMAGES.resolve("grad_64x64.png"));
        for (int o : new int[] {16, 20}) {
            bomb[o] = 0;
            bomb[o + 1] = 1;
            bomb[o + 2] = (byte) 0x86;
            bomb[o + 3] = (byte) 0xA0; // 100,000 × 100,000
        }
        refused(strict, parts(imageUrl(dataUri("image/png", bomb))), "messages[0].content[1]", "exceeds the limit of 1000000 pixels");
        byte[] garbage = new byte[4096];
        new Random(7).nextBytes(garbage);
        garbage[0] = 'x';
        refused(strict, parts(imageUrl(dataUri("image/png", garbage))), "messages[0].content[1]", "unsupported image format");
        refused(strict, parts(imageUrl(dataUri("text/plain", png))), "messages[0].content[1]", "data URI of type 'text/plain'");
        refused(strict, parts(imageUrl(dataUri("image/tiff", png))), "messages[0].content[1]", "data URI of type 'image/tiff'");
        refused(strict, parts(imageUrl("data:image/png;base64,@@@not base64@@@")), "messages[0].content[1]", "base64 data is invalid");
        refused(strict, parts(imageUrl(dataUri("noisy_1040x720.png"))), "messages[0].content[1]", "larger than 100000 bytes");
        refused(strict, parts(imageUrl("file:///etc/passwd")), "messages[0].content[1]", "data: URIs (base64) or http(s) URLs");
        ObjectNode detail = imageUrl(dataUri("grad_64x64.png"));
        ((ObjectNode) detail.get("image_url")).put("detail", "ultra");
        refused(strict, parts(detail), "messages[0].content[1].image_url.detail", "'auto', 'low' or 'high'");
        refused(strict, parts(TestServer.JSON.createObjectNode().put("type", "image_url")), "messages[0].content[1]", "needs an image URL");
    }

    @Test
    void remoteImagesAreRefusedWhenPrivateLargeSlowOrNotImages() throws Exception {
        refused(strict, parts(imageUrl(host.url("/images/grad_64x64.png"))), "messages[0].content[1]", "is not a public address");
        refused(strict, parts(imageUrl("http://169.254.169.254/latest/meta-data/")), "messages[0].content[1]", "is not a public address");
        refused(open, parts(imageUrl(host.url("/big?n=5000000"))), "messages[0].content[1]", "larger than 1000000 bytes");
        long t0 = System.nanoTime();
        refused(open, parts(imageUrl(host.url("/slow"))), "messages[0].content[1]", "took too long");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        refused(open, parts(imageUrl(host.url("/404"))), "messages[0].content[1]", "HTTP 404");
        refused(open, parts(imageUrl(dataUri("grad_64x64.png")), imageUrl(host.url("/images/missing.png"))), "messages[0].content[2]", "HTTP 404");
    }

    @Test
    void tooManyImagesAndImagesWhereTheTemplateDropsThemAreRefused() throws Exception {
        String grad = dataUri("grad_64x64.png");
        refused(strict, parts(imageUrl(grad), imageUrl(grad), imageUrl(grad)), "messages[0].content[3]", "at most 2 images per request");
        ObjectNode body = TestServer.JSON.createObjectNode().put("model", "tiny-a").put("max_tokens", 2);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").putArray("content").add(imageUrl(grad));
        messages.addObject().put("role", "user").put("content", "Hi");
        TestServer.Answer a = strict.post("/v1/chat/completions", body);
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.body().get("error").get("param").asText()).isEqualTo("messages[0].content[0]");
        // A streamed request is refused before any event, the same way.
        ObjectNode streamed = TestServer.JSON.createObjectNode().put("model", "tiny-a").put("stream", true);
        streamed.putArray("messages").addObject().put("role", "user").set("content", parts(imageUrl("data:image/png;base64,AAAA")));
        TestServer.Answer s = strict.post("/v1/chat/completions", streamed);
        assertThat(s.status()).isEqualTo(400);
        assertThat(s.body().get("error").get("param").asText()).isEqualTo("messages[0].content[1]");
        // And the server still answers.
        ObjectNode ok = TestServer.JSON.createObjectNode().put("model", "tiny-a").put("max_tokens", 3);
        ok.putArray("messages").addObject().put("role", "user").set("content", parts(imageUrl(grad)));
        assertThat(strict.post("/v1/chat/completions", ok).status()).isEqualTo(200);
    }

}
