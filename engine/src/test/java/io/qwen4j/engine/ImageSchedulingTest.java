package io.qwen4j.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.image.ImageDecoder;
import io.qwen4j.image.ImagePreprocessor;
import io.qwen4j.image.PixelValues;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.ImageEmbeddings;
import io.qwen4j.model.ImagePromptLayout;
import io.qwen4j.model.ImageTokens;
import io.qwen4j.model.TextModel;
import io.qwen4j.model.VisionEncoder;
import io.qwen4j.testing.TestData;
import io.qwen4j.testing.TinyVisionModel;
import io.qwen4j.tokenizer.Qwen3Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Image prompts through the scheduler: an image chat and a text chat batched together, both prefilled in chunks
 * of a small step budget that cut through the images, give Hugging Face's 24 greedy tokens and top-10 logprobs
 * (decode positions continue after the image's position jump).
 */
class ImageSchedulingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TinyVisionModel tiny;
    static TextModel model;
    static VisionEncoder encoder;
    static Qwen3Tokenizer tokenizer;
    static ImageTokens special;

    @BeforeAll
    static void load() throws Exception {
        tiny = TinyVisionModel.load();
        model = tiny.model();
        encoder = tiny.encoder();
        tokenizer = tiny.tokenizer();
        special = tiny.special();
    }

    @AfterAll
    static void close() {
        tiny.close();
    }

    static JsonNode ref(String name) throws Exception {
        return JSON.readTree(Files.readString(TestData.path("hf/tiny-a/chats/" + name + ".json")));
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    /** The chat's rendered ids (one pad per image) laid out with our encoding of its images. */
    static ImagePromptLayout layout(JsonNode ref) throws Exception {
        ImagePreprocessor pre = new ImagePreprocessor(encoder.preprocessorConfig());
        List<PixelValues> pixels = new ArrayList<>();
        for (JsonNode img : ref.get("images")) {
            pixels.add(pre.preprocess(new ImageDecoder().decode(Files.readAllBytes(TestData.path("hf/tiny-a/" + img.get("file").asText())))));
        }
        List<ImageEmbeddings> rows = encoder.encode(pixels);
        int[] ids = ints(ref.get("input_ids"));
        int[] collapsed = new int[ids.length];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == special.imagePad() && i > 0 && ids[i - 1] == special.imagePad()) continue;
            collapsed[n++] = ids[i];
        }
        return ImagePromptLayout.expand(Arrays.copyOf(collapsed, n), rows, special, 0);
    }

    @Test
    void imageAndTextChatsBatchedWithChunkedPrefillMatchHf() throws Exception {
        JsonNode image = ref("i_two_images"), chat = ref("t_hello");
        ImagePromptLayout layout = layout(image);
        assertThat(layout.tokens()).containsExactly(ints(image.get("input_ids")));
        EngineConfig config = EngineConfig.builder(512).parallel(2).maxQueued(4).stepTokenBudget(37).kvStorage(PagedKvCache.Storage.F32).build();
        PagedKvCache cache = model.newKvCache(config.parallel() * config.contextSize(), config.kvStorage());
        try (Scheduler s = new Scheduler(model, cache, tokenizer, model.shape().vocab(), config)) {
            SchedulerTest.Collector withImage = new SchedulerTest.Collector(), textOnly = new SchedulerTest.Collector();
            GenerationRequest imageRequest = GenerationRequest.builder(layout.tokens(), 24).layout(layout).ignoreEos(true).logprobs(10).build();
            GenerationRequest textRequest = GenerationRequest.builder(ints(chat.get("input_ids")), 24).ignoreEos(true).build();
            s.submitAll(List.of(imageRequest, textRequest), List.of(withImage, textOnly));
            assertThat(withImage.await().promptTokens()).isEqualTo(image.get("n_prompt_tokens").asInt());
            textOnly.await();
            assertThat(withImage.ids()).containsExactly(ints(image.get("generation").get("tokens")));
            assertThat(textOnly.ids()).containsExactly(ints(chat.get("generation").get("tokens")));
            JsonNode steps = image.get("generation").get("steps");
            double worst = 0;
            for (int k = 0; k < 24; k++) {
                GeneratedToken t = withImage.tokens.get(k);
                JsonNode top10 = steps.get(k).get("top10");
                for (int j = 0; j < 10; j++) {
                    if (t.top().ids()[j] != top10.get(j).get(0).asInt()) continue; // near-ties may swap
                    worst = Math.max(worst, Math.abs(t.top().logprobs()[j] - top10.get(j).get(1).asDouble()));
                }
                assertThat((double) t.logprob()).isCloseTo(top10.get(0).get(1).asDouble(), within(1e-4));
            }
            assertThat(worst).isLessThan(1e-4);
        }
    }

    @Test
    void aLayoutMustBeThePrompt() throws Exception {
        ImagePromptLayout layout = layout(ref("i_grad64"));
        GenerationRequest r = GenerationRequest.greedy(new int[] {1, 2}, 4);
        assertThat(r.withLayout(layout).prompt()).containsExactly(layout.tokens());
        assertThat(r.withLayout(layout).firstGeneratedPosition()).isEqualTo(layout.nextPosition());
        assertThat(r.firstGeneratedPosition()).isEqualTo(2);
        assertThatThrownBy(() -> GenerationRequest.builder(new int[] {1, 2}, 4).layout(layout).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not this prompt");
    }
}
