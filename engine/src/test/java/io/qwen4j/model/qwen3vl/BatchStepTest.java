package io.qwen4j.model.qwen3vl;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.kv.KvSequence;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.ModelStep;
import io.qwen4j.model.SequenceChunk;
import io.qwen4j.sampling.Logprobs;
import io.qwen4j.tensor.WorkerPool;
import io.qwen4j.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Ragged batches over the paged KV cache give what each sequence gives alone. */
class BatchStepTest {

    static WorkerPool pool;
    static GgufFile gguf;
    static Qwen3VlTextModel model;
    static int vocab;

    @BeforeAll
    static void load() throws Exception {
        pool = new WorkerPool(2);
        gguf = GgufFile.open(TestData.path("models/qwen3vl-tiny-Q4_K_M.gguf"));
        model = Qwen3VlTextModel.load(gguf, pool);
        vocab = model.config().vocab();
    }

    @AfterAll
    static void close() {
        gguf.close();
        pool.close();
    }

    static int[] tokens(int n, long seed) {
        Random r = new Random(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = r.nextInt(4096);
        return t;
    }

    /** Prefill in one step, then greedy decode; returns the logits of every step, concatenated. */
    static float[] alone(int[] prompt, int decode, PagedKvCache.Storage storage) {
        try (PagedKvCache cache = model.newKvCache(prompt.length + decode + 16, storage)) {
            KvSequence seq = cache.newSequence();
            float[] all = new float[(decode + 1) * vocab];
            float[] logits = model.step(cache, List.of(SequenceChunk.text(seq, prompt, 0))).logits(0);
            for (int k = 0; ; k++) {
                System.arraycopy(logits, 0, all, k * vocab, vocab);
                if (k == decode) return all;
                int next = Logprobs.argmax(logits, 0, vocab);
                logits = model.step(cache, List.of(SequenceChunk.text(seq, new int[] {next}, prompt.length + k))).logits(0);
            }
        }
    }

    static void assertClose(float[] actual, int aOff, float[] expected, int eOff, int n, double tol) {
        double worst = 0;
        for (int i = 0; i < n; i++) worst = Math.max(worst, Math.abs(actual[aOff + i] - expected[eOff + i]));
        assertThat(worst).isLessThanOrEqualTo(tol);
    }

    @Test
    void batchOfTwoPromptsThenDecodingTogetherEqualsEachAlone() {
        int[] a = tokens(37, 1), b = tokens(11, 2);
        int decode = 6;
        float[] refA = alone(a, decode, PagedKvCache.Storage.F32), refB = alone(b, decode, PagedKvCache.Storage.F32);
        try (PagedKvCache cache = model.newKvCache(200, PagedKvCache.Storage.F32)) {
            KvSequence sa = cache.newSequence(), sb = cache.newSequence();
            ModelStep.StepOutput out = model.step(cache, List.of(SequenceChunk.text(sa, a, 0), SequenceChunk.text(sb, b, 0)));
            float[] la = out.logits(0), lb = out.logits(1);
            for (int k = 0; ; k++) {
                assertClose(la, 0, refA, k * vocab, vocab, 1e-4);
                assertClose(lb, 0, refB, k * vocab, vocab, 1e-4);
                if (k == decode) break;
                int na = Logprobs.argmax(la, 0, vocab), nb = Logprobs.argmax(lb, 0, vocab);
                out = model.step(cache, List.of(SequenceChunk.text(sb, new int[] {nb}, b.length + k), SequenceChunk.text(sa, new int[] {na}, a.length + k)));
                lb = out.logits(0);
                la = out.logits(1);
            }
        }
    }

    @Test
    void prefillChunkAndDecodeTokenInOneBatch() {
        int[] a = tokens(20, 3), b = tokens(30, 4);
        float[] refA = alone(a, 1, PagedKvCache.Storage.F32), refB = alone(b, 0, PagedKvCache.Storage.F32);
        try (PagedKvCache cache = model.newKvCache(200, PagedKvCache.Storage.F32)) {
            KvSequence sa = cache.newSequence(), sb = cache.newSequence();
            float[] la = model.step(cache, List.of(SequenceChunk.text(sa, a, 0))).logits(0);
            int next = Logprobs.argmax(la, 0, vocab);
            // sequence a decodes one token while b prefills its whole prompt, logits wanted for both
            ModelStep.StepOutput out = model.step(cache, List.of(SequenceChunk.text(sa, new int[] {next}, a.length), SequenceChunk.text(sb, b, 0)));
            assertClose(out.logits(0), 0, refA, vocab, vocab, 1e-4);
            assertClose(out.logits(1), 0, refB, 0, vocab, 1e-4);
        }
    }

    @ParameterizedTest(name = "chunks of {0} tokens")
    @ValueSource(ints = {1, 5, 16, 17})
    void chunkedPrefillEqualsOneShot(int chunk) {
        int[] prompt = tokens(41, 5);
        float[] ref = alone(prompt, 0, PagedKvCache.Storage.F32);
        try (PagedKvCache cache = model.newKvCache(64, PagedKvCache.Storage.F32)) {
            KvSequence seq = cache.newSequence();
            float[] logits = null;
            for (int s = 0; s < prompt.length; s += chunk) {
                int[] part = Arrays.copyOfRange(prompt, s, Math.min(prompt.length, s + chunk));
                logits = model.step(cache, List.of(SequenceChunk.text(seq, part, s))).logits(0);
            }
            assertThat(seq.length()).isEqualTo(prompt.length);
            assertClose(logits, 0, ref, 0, vocab, 1e-4);
        }
    }

    @Test
    void allRowLogitsMatchTheLastRowOfEachPrefix() {
        int[] prompt = tokens(9, 6);
        try (PagedKvCache cache = model.newKvCache(64, PagedKvCache.Storage.F32)) {
            float[] all = model.step(cache, List.of(SequenceChunk.text(cache.newSequence(), prompt, 0).logits(SequenceChunk.Logits.ALL))).logits(0);
            assertThat(all).hasSize(prompt.length * vocab);
            for (int n = 1; n <= prompt.length; n += 4) {
                float[] ref = alone(Arrays.copyOf(prompt, n), 0, PagedKvCache.Storage.F32);
                assertClose(all, (n - 1) * vocab, ref, 0, vocab, 1e-4);
            }
        }
    }

    @ParameterizedTest(name = "{0} KV cache")
    @ValueSource(strings = {"F16", "BF16"})
    void reducedPrecisionKvCacheStaysClose(String storage) {
        int[] prompt = tokens(40, 7);
        float[] ref = alone(prompt, 4, PagedKvCache.Storage.F32);
        float[] got = alone(prompt, 4, PagedKvCache.Storage.valueOf(storage));
        // Same greedy path, logprobs within what a rounded cache costs (F16 ~1e-2, BF16 ~1e-1 here).
        double tol = storage.equals("F16") ? 0.05 : 0.5;
        for (int k = 0; k <= 4; k++) {
            assertThat(Logprobs.argmax(got, k * vocab, vocab)).isEqualTo(Logprobs.argmax(ref, k * vocab, vocab));
            double lr = Logprobs.logSumExp(ref, k * vocab, vocab), lg = Logprobs.logSumExp(got, k * vocab, vocab);
            for (int id : Logprobs.topK(ref, k * vocab, vocab, 10).ids()) {
                assertThat(Math.abs((got[k * vocab + id] - lg) - (ref[k * vocab + id] - lr))).isLessThan(tol);
            }
        }
    }

    @Test
    void deepstackVectorsAreAddedAfterTheirLayerAtTheirRowsOnly() {
        int[] prompt = tokens(12, 8);
        int dim = model.config().dim();
        float[] plain, zeros, pushed;
        try (PagedKvCache cache = model.newKvCache(64, PagedKvCache.Storage.F32)) {
            plain = model.step(cache, List.of(SequenceChunk.text(cache.newSequence(), prompt, 0).logits(SequenceChunk.Logits.ALL))).logits(0);
            SequenceChunk z = SequenceChunk.text(cache.newSequence(), prompt, 0).logits(SequenceChunk.Logits.ALL);
            for (int l = 0; l < 3; l++) for (int r = 0; r < prompt.length; r++) z.deepstack(l, r, new float[dim]);
            zeros = model.step(cache, List.of(z)).logits(0);
            float[] vec = new float[dim];
            Random rnd = new Random(9);
            for (int i = 0; i < dim; i++) vec[i] = (float) rnd.nextGaussian();
            pushed = model.step(cache, List.of(SequenceChunk.text(cache.newSequence(), prompt, 0).logits(SequenceChunk.Logits.ALL).deepstack(1, 5, vec))).logits(0);
        }
        // Not bit-exact: a lane reduction may sum in another order once the JIT has compiled it.
        assertClose(zeros, 0, plain, 0, plain.length, 1e-5);
        // Rows before 5 cannot see it (causal), rows from 5 on do.
        assertClose(pushed, 0, plain, 0, 5 * vocab, 1e-5);
        for (int r = 5; r < prompt.length; r++) {
            double diff = 0;
            for (int i = 0; i < vocab; i++) diff = Math.max(diff, Math.abs(pushed[r * vocab + i] - plain[r * vocab + i]));
            assertThat(diff).as("row %d", r).isGreaterThan(1e-3);
        }
    }

    @Test
    void cacheBlocksAreTakenPerBlockAndReturnedOnRelease() {
        try (PagedKvCache cache = model.newKvCache(64, PagedKvCache.Storage.F32)) {
            assertThat(cache.freeBlocks()).isEqualTo(4);
            KvSequence seq = cache.newSequence();
            model.step(cache, List.of(SequenceChunk.text(seq, tokens(17, 10), 0)));
            assertThat(cache.freeBlocks()).isEqualTo(2);
            cache.truncate(seq, 16);
            assertThat(cache.freeBlocks()).isEqualTo(3);
            KvSequence other = cache.newSequence();
            assertThatThrownBy(() -> model.step(cache, List.of(SequenceChunk.text(other, tokens(49, 11), 0)))).hasMessageContaining("KV cache full");
            cache.release(seq);
            assertThat(cache.freeBlocks()).isEqualTo(4);
        }
    }
}
