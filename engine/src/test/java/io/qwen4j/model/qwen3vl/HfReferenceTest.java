package io.qwen4j.model.qwen3vl;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.kv.KvSequence;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.MropePositions;
import io.qwen4j.model.SequenceChunk;
import io.qwen4j.sampling.Generator;
import io.qwen4j.sampling.Logprobs;
import io.qwen4j.sampling.Sampler;
import io.qwen4j.tensor.WorkerPool;
import io.qwen4j.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * tiny-a-F32.gguf against Hugging Face transformers (testdata/hf): the top-10 logprobs at the last prompt
 * position and at each of 24 greedy steps within 1e-4, the greedy tokens exactly. Image chats whose full
 * vision-encoder outputs are in the fixtures feed those rows as embeddings and deepstack vectors, which
 * checks M-RoPE image positions and the deepstack hook against the reference.
 */
class HfReferenceTest {

    static final double TOLERANCE = 1e-4;
    static WorkerPool pool;
    static GgufFile gguf;
    static Qwen3VlTextModel model;

    @BeforeAll
    static void load() throws Exception {
        pool = new WorkerPool(2);
        gguf = GgufFile.open(TestData.path("hf/tiny-a/tiny-a-F32.gguf"));
        model = Qwen3VlTextModel.load(gguf, pool);
    }

    @AfterAll
    static void close() {
        gguf.close();
        pool.close();
        System.out.println("max |dlogprob| vs HF: " + Fixtures.MAX_DELTA);
    }

    @Test
    void configIsReadFromTheGguf() {
        Qwen3VlConfig c = model.config();
        assertThat(c.dim()).isEqualTo(256);
        assertThat(c.layers()).isEqualTo(4);
        assertThat(c.heads()).isEqualTo(4);
        assertThat(c.kvHeads()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.vocab()).isEqualTo(4122);
        assertThat(c.mropeSections()).containsExactly(12, 10, 10, 0);
        assertThat(c.tiedOutput()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"t_hello", "t_system", "t_multiturn", "t_long", "t_unicode", "t_code"})
    void textChat(String name) throws Exception {
        JsonNode ref = Fixtures.json("hf/tiny-a/chats/" + name + ".json");
        int[] ids = Fixtures.ints(ref.get("input_ids"));
        try (PagedKvCache cache = model.newKvCache(ids.length + 32, PagedKvCache.Storage.F32)) {
            KvSequence seq = cache.newSequence();
            checkAgainst(ref, SequenceChunk.text(seq, ids, 0), ids.length, cache, "text");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"i_grad64", "i_stripes", "i_alpha", "i_two_images"})
    void imageChatWithReferenceVisionOutputs(String name) throws Exception {
        JsonNode ref = Fixtures.json("hf/tiny-a/chats/" + name + ".json");
        int[] ids = Fixtures.ints(ref.get("input_ids"));
        int imagePad = 4108, dim = model.config().dim();

        // Positions per spec §8, checked against HF's get_rope_index.
        MropePositions pos = new MropePositions();
        List<float[][]> main = new ArrayList<>();
        List<float[][][]> deep = new ArrayList<>();
        int image = 0;
        for (int i = 0; i < ids.length; ) {
            if (ids[i] != imagePad) {
                pos.text(1);
                i++;
                continue;
            }
            JsonNode grid = ref.get("images").get(image).get("grid_thw");
            int mh = grid.get(1).asInt() / 2, mw = grid.get(2).asInt() / 2;
            pos.image(mh, mw);
            JsonNode files = ref.get("vision").get("images").get(image).get("full_tensors");
            main.add(Fixtures.f32Rows(TestData.path("hf/tiny-a/" + files.get("main").asText()), dim));
            float[][][] ds = new float[3][][];
            for (int l = 0; l < 3; l++) ds[l] = Fixtures.f32Rows(TestData.path("hf/tiny-a/" + files.get("ds" + l).asText()), dim);
            deep.add(ds);
            assertThat(main.getLast()).hasNumberOfRows(mh * mw);
            i += mh * mw;
            image++;
        }
        JsonNode p = ref.get("position_ids");
        int[][] axes = {pos.t(), pos.h(), pos.w()};
        for (int a = 0; a < 3; a++) {
            int[] first = Fixtures.ints(p.get("first40").get(a)), last = Fixtures.ints(p.get("last40").get(a));
            for (int i = 0; i < first.length; i++) assertThat(axes[a][i]).isEqualTo(first[i]);
            for (int i = 0; i < last.length; i++) assertThat(axes[a][ids.length - last.length + i]).isEqualTo(last[i]);
        }
        assertThat(pos.next() - ids.length).isEqualTo(p.get("rope_delta").asInt());

        try (PagedKvCache cache = model.newKvCache(ids.length + 32, PagedKvCache.Storage.F32)) {
            SequenceChunk chunk = SequenceChunk.of(cache.newSequence(), ids, pos.t(), pos.h(), pos.w());
            int img = -1, j = 0;
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] != imagePad) continue;
                if (i == 0 || ids[i - 1] != imagePad) {
                    img++;
                    j = 0;
                }
                chunk.embedding(i, main.get(img)[j]);
                for (int l = 0; l < 3; l++) chunk.deepstack(l, i, deep.get(img)[l][j]);
                j++;
            }
            checkAgainst(ref, chunk, pos.next(), cache, "image");
        }
    }

    /** Prefill, then 24 greedy steps, each compared with the reference's top-10. */
    private static void checkAgainst(JsonNode ref, SequenceChunk prompt, int nextPosition, PagedKvCache cache, String label) {
        int vocab = model.config().vocab();
        JsonNode gen = ref.get("generation");
        int[] expected = Fixtures.ints(gen.get("tokens"));

        float[] logits = model.step(cache, List.of(prompt)).logits(0);
        JsonNode last = ref.get("prompt_last");
        assertThat(Logprobs.logSumExp(logits, 0, vocab)).isCloseTo(last.get("logsumexp").asDouble(), within(TOLERANCE));
        for (JsonNode e : last.get("top10_logits")) {
            assertThat((double) logits[e.get(0).asInt()]).isCloseTo(e.get(1).asDouble(), within(TOLERANCE));
        }
        compareTop10(logits, vocab, last.get("top10_logprobs"), label);

        for (int step = 0; step < expected.length; step++) {
            JsonNode s = gen.get("steps").get(step);
            compareTop10(logits, vocab, s.get("top10"), label);
            assertThat(Logprobs.argmax(logits, 0, vocab)).as("greedy token at step %d", step).isEqualTo(expected[step]);
            if (step + 1 < expected.length) {
                logits = model.step(cache, List.of(SequenceChunk.text(prompt.sequence(), new int[] {expected[step]}, nextPosition + step))).logits(0);
            }
        }
    }

    private static void compareTop10(float[] logits, int vocab, JsonNode top10, String label) {
        double lse = Logprobs.logSumExp(logits, 0, vocab);
        Logprobs.TopK ours = Logprobs.topK(logits, 0, vocab, 10);
        for (int i = 0; i < top10.size(); i++) {
            int id = top10.get(i).get(0).asInt();
            double want = top10.get(i).get(1).asDouble(), got = logits[id] - lse;
            Fixtures.record("hf " + label, Math.abs(got - want));
            assertThat(got).as("logprob of %d", id).isCloseTo(want, within(TOLERANCE));
            // Same top-10 order, except between entries whose logprobs are within 1e-4.
            if (ours.ids()[i] != id) assertThat((double) ours.logprobs()[i]).isCloseTo(want, within(TOLERANCE));
        }
    }

    @Test
    void generatorReproducesTheGreedyText() throws Exception {
        JsonNode ref = Fixtures.json("hf/tiny-a/chats/t_system.json");
        int[] ids = Fixtures.ints(ref.get("input_ids"));
        try (PagedKvCache cache = model.newKvCache(ids.length + 32, PagedKvCache.Storage.F32)) {
            List<Generator.Step> steps = new Generator(model, cache, model.config().vocab())
                    .generate(SequenceChunk.text(cache.newSequence(), ids, 0), ids.length, 24, Sampler.greedy(), 10);
            assertThat(steps.stream().mapToInt(Generator.Step::token).toArray()).containsExactly(Fixtures.ints(ref.get("generation").get("tokens")));
            JsonNode s0 = ref.get("generation").get("steps").get(0);
            assertThat((double) steps.getFirst().logprob()).isCloseTo(s0.get("top10").get(0).get(1).asDouble(), within(TOLERANCE));
        }
    }
}
