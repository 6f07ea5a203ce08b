package io.qwen4j.engine;

import io.qwen4j.image.ImageDecoder;
import io.qwen4j.image.ImagePreprocessor;
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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Prefix caching of image prompts (tiny-a and its vision tower): blocks of image rows are addressed by the image's
 * content, so the same picture encoded again hits the cache through and past the image, while another picture of
 * the same size (the same placeholder tokens and positions) reuses only the text before it.
 */
class ImagePrefixCachingTest {
    static final int BLOCK = 16;
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

    /** A fresh encoding of the image file (a new object each time: only its content can match). */
    static ImageEmbeddings encode(String file) throws Exception {
        ImagePreprocessor pre = new ImagePreprocessor(encoder.preprocessorConfig());
        return encoder.encode(List.of(pre.preprocess(new ImageDecoder().decode(Files.readAllBytes(TestData.path(file)))))).getFirst();
    }

    static ImagePromptLayout chat(ImageEmbeddings image) {
        return ImagePromptLayout.builder(special)
                .text(tokenizer.encode("<|im_start|>system\nYou describe pictures for a museum catalogue, in two plain sentences."
                        + "<|im_end|>\n<|im_start|>user\n", true))
                .image(image)
                .text(tokenizer.encode("What is in this picture?<|im_end|>\n<|im_start|>assistant\n", true))
                .build(0);
    }

    static GenerationRequest request(ImagePromptLayout layout) {
        return GenerationRequest.builder(layout.tokens(), 10).layout(layout).ignoreEos(true).logprobs(3).build();
    }

    static Scheduler scheduler(boolean prefixCaching) {
        EngineConfig config = EngineConfig.builder(1024).parallel(1).maxQueued(4).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F32).prefixCaching(prefixCaching).build();
        return new Scheduler(model, model.newKvCache(config.contextSize(), config.kvStorage()), tokenizer, model.shape().vocab(), config);
    }

    static SchedulerTest.Collector run(Scheduler s, GenerationRequest r) throws Exception {
        SchedulerTest.Collector c = new SchedulerTest.Collector();
        s.submit(r, c);
        c.await();
        return c;
    }

    @Test
    void theSameImageHitsTheCacheAndAnotherImageOfTheSameSizeOnlyTheTextBeforeIt() throws Exception {
        ImagePromptLayout checker = chat(encode("hf/tiny-a/images/checker_448x448.png"));
        ImagePromptLayout checkerAgain = chat(encode("hf/tiny-a/images/checker_448x448.png"));
        ImagePromptLayout shapes = chat(encode("images/i03_shapes_448x448_0_shapes_448x448.png"));
        assertThat(shapes.tokens()).containsExactly(checker.tokens()); // same placeholders, same positions
        assertThat(shapes.t()).containsExactly(checker.t());
        assertThat(shapes.h()).containsExactly(checker.h());
        int textBefore = 0;
        while (checker.tokens()[textBefore] != special.imagePad()) textBefore++; // the text and <|vision_start|>
        assertThat(textBefore).isGreaterThanOrEqualTo(BLOCK);
        assertThat(checker.size() - textBefore).isGreaterThan(2 * BLOCK);

        List<int[]> computed;
        SchedulerTest.Collector computedChecker;
        try (Scheduler plain = scheduler(false)) {
            computedChecker = run(plain, request(checker));
            computed = List.of(computedChecker.ids(), run(plain, request(shapes)).ids());
        }
        assertThat(computed.get(0)).isNotEqualTo(computed.get(1)); // the model does see the picture
        try (Scheduler s = scheduler(true)) {
            assertThat(run(s, request(checker)).await().cachedTokens()).isZero();
            SchedulerTest.Collector again = run(s, request(checkerAgain));
            assertThat(again.await().cachedTokens()).isEqualTo((checker.size() - Scheduler.MIN_COMPUTED_PROMPT_TOKENS) / BLOCK * BLOCK);
            assertThat(again.ids()).containsExactly(computed.get(0));
            // Not bit for bit: the image was encoded again (its rows may differ in the last bits), the cached KV is the first encoding's.
            assertThat(PrefixCachingTest.maxLogprobDifference(again.tokens, computedChecker.tokens)).isLessThan(1e-4);

            SchedulerTest.Collector other = run(s, request(shapes));
            assertThat(other.await().cachedTokens()).isEqualTo(textBefore / BLOCK * BLOCK);
            assertThat(other.ids()).containsExactly(computed.get(1));
        }
    }
}
