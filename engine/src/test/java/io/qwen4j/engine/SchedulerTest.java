package io.qwen4j.engine;

import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.SequenceChunk;
import io.qwen4j.model.TextModel;
import io.qwen4j.sampling.Generator;
import io.qwen4j.sampling.Sampler;
import io.qwen4j.sampling.SamplingParams;
import io.qwen4j.testing.TinyModel;
import io.qwen4j.tokenizer.Qwen3Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The scheduler on the tiny F32 fixture model: batching changes nothing, cancellation frees everything. */
class SchedulerTest {
    static TinyModel tiny;
    static TextModel model;
    static Qwen3Tokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        tiny = TinyModel.load();
        model = tiny.model();
        tokenizer = tiny.tokenizer();
    }

    @AfterAll
    static void close() {
        tiny.close();
    }

    static Scheduler scheduler(EngineConfig config) {
        PagedKvCache cache = model.newKvCache(config.parallel() * config.contextSize(), config.kvStorage());
        return new Scheduler(model, cache, tokenizer, model.shape().vocab(), config);
    }

    static EngineConfig config(int parallel) {
        return EngineConfig.builder(512).parallel(parallel).maxQueued(16).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F32).build();
    }

    /** Collects one sequence's events. */
    static class Collector implements TokenListener {
        final List<GeneratedToken> tokens = new CopyOnWriteArrayList<>();
        final StringBuilder text = new StringBuilder();
        final CompletableFuture<Completion> done = new CompletableFuture<>();

        @Override
        public void onToken(GeneratedToken token) {
            tokens.add(token);
            synchronized (text) {
                text.append(token.text());
            }
        }

        @Override
        public void onFinish(Completion completion) {
            synchronized (text) {
                text.append(completion.tail());
            }
            done.complete(completion);
        }

        @Override
        public void onError(RuntimeException error) {
            done.completeExceptionally(error);
        }

        int[] ids() {
            return tokens.stream().mapToInt(GeneratedToken::id).toArray();
        }

        Completion await() throws Exception {
            return done.get(60, TimeUnit.SECONDS);
        }
    }

    /** The blocks go back to the pool before the listener hears of the end. */
    static void awaitFreeBlocks(Scheduler s, int expected) {
        assertThat(s.freeKvBlocks()).isEqualTo(expected);
    }

    static int[] prompt(String text) {
        return tokenizer.encode("<|im_start|>user\n" + text + "<|im_end|>\n<|im_start|>assistant\n", true);
    }

    static int[] alone(int[] prompt, int n) {
        try (PagedKvCache cache = model.newKvCache(prompt.length + n + 16, PagedKvCache.Storage.F32)) {
            return new Generator(model, cache, model.shape().vocab())
                    .generate(SequenceChunk.text(cache.newSequence(), prompt, 0), prompt.length, n, Sampler.greedy(), 1)
                    .stream().mapToInt(Generator.Step::token).toArray();
        }
    }

    @Test
    void batchedGreedyEqualsUnbatchedWithChunkedPrefill() throws Exception {
        String[] texts = {"Hello! Who are you?", "Tell me a story about a dragon who lived in a very tall mountain and liked tea.",
                "1 2 3 4 5", "日本語のテキスト", "Why is the sky blue? Explain briefly.", "x", "code: for (int i = 0; i < n; i++) {}", "ok"};
        // The model runs one step at a time: the references come first, the scheduler after.
        List<int[]> expected = new ArrayList<>();
        for (String t : texts) expected.add(alone(prompt(t), 12));
        // A budget of 7 tokens per step forces every prompt to be prefilled in chunks between decode steps.
        try (Scheduler s = scheduler(config(8).toBuilder().stepTokenBudget(7).build())) {
            List<Collector> cs = new ArrayList<>();
            List<GenerationRequest> rs = new ArrayList<>();
            for (String t : texts) {
                cs.add(new Collector());
                rs.add(GenerationRequest.builder(prompt(t), 12).ignoreEos(true).build());
            }
            s.submitAll(rs, List.copyOf(cs));
            for (int i = 0; i < texts.length; i++) {
                Completion c = cs.get(i).await();
                assertThat(c.reason()).isEqualTo(new FinishReason.MaxTokens());
                assertThat(c.completionTokens()).isEqualTo(12);
                assertThat(cs.get(i).ids()).as(texts[i]).containsExactly(expected.get(i));
            }
            awaitFreeBlocks(s, 8 * 512 / 16);
        }
    }

    @Test
    void cancellationStopsWithinOneStepAndFreesTheKvBlocks() throws Exception {
        try (Scheduler s = scheduler(config(2))) {
            int total = s.freeKvBlocks();
            CountDownLatch five = new CountDownLatch(5);
            List<Long> stepAtToken = new CopyOnWriteArrayList<>();
            Collector c = new Collector() {
                @Override
                public void onToken(GeneratedToken token) {
                    super.onToken(token);
                    stepAtToken.add(s.steps());
                    five.countDown();
                }
            };
            Handle h = s.submit(GenerationRequest.builder(prompt("Count forever"), 400).ignoreEos(true).build(), c);
            assertThat(five.await(30, TimeUnit.SECONDS)).isTrue();
            long stepAtCancel = s.steps();
            h.cancel();
            Completion done = c.await();
            assertThat(done.reason()).isEqualTo(new FinishReason.Cancelled());
            // At most the step running when cancel() was called may still report a token.
            assertThat(s.steps()).isLessThanOrEqualTo(stepAtCancel + 1);
            assertThat(c.tokens.size()).isLessThan(400);
            awaitFreeBlocks(s, total);
            assertThat(s.running()).isZero();
            assertThat(h.isDone()).isTrue();
        }
    }

    @Test
    void fullQueueRefusesAtOnce() throws Exception {
        try (Scheduler s = scheduler(config(1).toBuilder().maxQueued(1).build())) {
            Collector a = new Collector(), b = new Collector();
            Handle ha = s.submit(GenerationRequest.builder(prompt("a"), 300).ignoreEos(true).build(), a);
            Handle hb = s.submit(GenerationRequest.builder(prompt("b"), 300).ignoreEos(true).build(), b);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (s.running() == 0 && System.nanoTime() < deadline) Thread.sleep(1);
            assertThatThrownBy(() -> s.submit(GenerationRequest.greedy(prompt("c"), 10), new Collector()))
                    .isInstanceOf(EngineOverloadedException.class).hasMessageContaining("overloaded");
            hb.cancel();
            ha.cancel();
            assertThat(a.await().reason()).isEqualTo(new FinishReason.Cancelled());
            assertThat(b.await().reason()).isEqualTo(new FinishReason.Cancelled());
            assertThat(b.tokens).isEmpty();
        }
    }

    @Test
    void stopStringsCutTheTextAndAreNeverEmitted() throws Exception {
        try (Scheduler s = scheduler(config(2))) {
            int[] p = prompt("Hello! Who are you?");
            Collector free = new Collector();
            s.submit(GenerationRequest.builder(p, 24).ignoreEos(true).build(), free);
            free.await();
            String full = free.text.toString();
            assertThat(full.length()).isGreaterThan(12);
            String stop = full.substring(8, 11);
            int at = full.indexOf(stop);
            Collector cut = new Collector();
            s.submit(GenerationRequest.builder(p, 24).ignoreEos(true).stop(List.of(stop, "never-seen-xyz")).build(), cut);
            Completion c = cut.await();
            assertThat(c.reason()).isEqualTo(new FinishReason.StopSequence(stop));
            assertThat(cut.text.toString()).isEqualTo(full.substring(0, at));
        }
    }

    @Test
    void aStopTokenIdEndsTheSequenceOnlyAfterMinTokens() throws Exception {
        int[] p = prompt("Count from one to ten");
        try (Scheduler s = scheduler(config(2))) {
            Collector free = new Collector();
            s.submit(GenerationRequest.builder(p, 12).ignoreEos(true).build(), free);
            free.await();
            int third = free.ids()[2];
            int firstAt = 0;
            while (free.ids()[firstAt] != third) firstAt++;

            Collector stopped = new Collector();
            s.submit(GenerationRequest.builder(p, 12).ignoreEos(true).stopTokenIds(java.util.Set.of(third)).build(), stopped);
            assertThat(stopped.await().reason()).isEqualTo(new FinishReason.StopToken(third));
            assertThat(stopped.ids()).hasSize(firstAt + 1);
            assertThat(stopped.tokens.getLast().ending()).isTrue();

            // Before min_tokens the stop token cannot be picked: the sequence runs to its limit.
            Collector held = new Collector();
            s.submit(GenerationRequest.builder(p, 12).ignoreEos(true).stopTokenIds(java.util.Set.of(third)).minTokens(12).build(), held);
            assertThat(held.await().reason()).isEqualTo(new FinishReason.MaxTokens());
            assertThat(held.ids()).hasSize(12).doesNotContain(third);
        }
    }

    @Test
    void endOfGenerationTokenStopsUnlessIgnored() throws Exception {
        int eos = tokenizer.eosId();
        SamplingParams forceEos = new SamplingParams(0f, 0, 1, 0, 0, 1f, 0f, 0f, Map.of(eos, 100f), 0);
        try (Scheduler s = scheduler(config(2))) {
            Collector c = new Collector();
            s.submit(GenerationRequest.builder(prompt("hi"), 10).sampling(forceEos).build(), c);
            Completion done = c.await();
            assertThat(done.reason()).isEqualTo(new FinishReason.EndOfGeneration(eos));
            assertThat(done.completionTokens()).isEqualTo(1);
            assertThat(c.text.toString()).isEmpty();

            Collector ignored = new Collector();
            s.submit(GenerationRequest.builder(prompt("hi"), 10).sampling(forceEos).ignoreEos(true).build(), ignored);
            Completion all = ignored.await();
            assertThat(all.reason()).isEqualTo(new FinishReason.MaxTokens());
            assertThat(ignored.ids()).containsOnly(eos).hasSize(10);
            assertThat(ignored.text.toString()).isEmpty(); // control tokens give no text
        }
    }

    @Test
    void logprobsAreTheModelsDistributionAndSeedsReproduce() throws Exception {
        try (Scheduler s = scheduler(config(4))) {
            int[] p = prompt("Why is the sky blue?");
            Collector greedy = new Collector();
            s.submit(GenerationRequest.builder(p, 8).ignoreEos(true).logprobs(5).build(), greedy);
            greedy.await();
            for (GeneratedToken t : greedy.tokens) {
                assertThat(t.top().ids()[0]).isEqualTo(t.id());
                assertThat(t.logprob()).isEqualTo(t.top().logprobs()[0]);
                assertThat(t.top().size()).isEqualTo(5);
            }
            SamplingParams hot = new SamplingParams(1.5f, 0, 1, 0, 0, 1f, 0f, 0f, Map.of(), 1234);
            Collector a = new Collector(), b = new Collector(), c = new Collector();
            GenerationRequest r = GenerationRequest.builder(p, 16).ignoreEos(true).sampling(hot).logprobs(0).build();
            s.submitAll(List.of(r, r, r.toBuilder().sampling(hot.withSeed(99)).build()), List.of(a, b, c));
            a.await();
            b.await();
            c.await();
            assertThat(a.ids()).containsExactly(b.ids());
            assertThat(a.ids()).isNotEqualTo(c.ids());
            // Sampled tokens still report their log-probability under the raw model distribution.
            for (GeneratedToken t : a.tokens) assertThat(t.logprob()).isLessThanOrEqualTo(0f).isGreaterThan(Float.NEGATIVE_INFINITY);
        }
    }

    @Test
    void promptPlusMaxTokensBeyondTheContextIsRefused() {
        try (Scheduler s = scheduler(config(1))) {
            assertThatThrownBy(() -> s.submit(GenerationRequest.greedy(new int[500], 100), new Collector()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("context size 512");
        }
    }

    @Test
    void kvSizingRefusesWhatCannotBeHeld() {
        EngineConfig c = EngineConfig.builder(4096).parallel(4).maxQueued(8).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F16).build();
        // 4 layers × 2 KV heads × 64 × 2 (K, V) × 2 bytes = 2048 bytes per token.
        assertThat(KvCacheSizing.bytesPerToken(model.shape(), PagedKvCache.Storage.F16)).isEqualTo(2048);
        assertThat(KvCacheSizing.bytes(model.shape(), c)).isEqualTo(4L * 4096 * 2048);
        KvCacheSizing.check(model.shape(), c, 1L << 30);
        assertThatThrownBy(() -> KvCacheSizing.check(model.shape(), c, 1L << 20))
                .hasMessageContaining("needs 32.0 MiB").hasMessageContaining("contextSize");
        assertThatThrownBy(() -> KvCacheSizing.check(model.shape(), EngineConfig.builder(8192).parallel(1).maxQueued(8).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F16).build(), 1L << 40))
                .hasMessageContaining("exceeds the model's context length 4096");
    }
}
