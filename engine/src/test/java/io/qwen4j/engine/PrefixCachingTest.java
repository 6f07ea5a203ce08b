package io.qwen4j.engine;

import io.qwen4j.kv.KvSequence;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.ModelStep;
import io.qwen4j.model.SequenceChunk;
import io.qwen4j.model.TextModel;
import io.qwen4j.testing.TinyModel;
import io.qwen4j.tokenizer.Qwen3Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Prefix caching through the scheduler on the tiny F32 model: a prompt that starts like an earlier one is
 * prefilled only from its first uncached block (seen in the batches the model runs), reports exactly the reused
 * tokens, and generates what a scheduler without the cache generates, logprobs included.
 */
class PrefixCachingTest {
    static final int BLOCK = 16; // the model's KV block
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

    /** The model, logging the size of every chunk of every step per sequence. */
    static final class Recording implements ModelStep {
        final List<List<SequenceChunk>> steps = new CopyOnWriteArrayList<>();

        @Override
        public StepOutput step(PagedKvCache cache, List<SequenceChunk> chunks) {
            steps.add(List.copyOf(chunks));
            return model.step(cache, chunks);
        }

        /** Tokens the model computed for a sequence, chunk by chunk. */
        List<Integer> chunkSizes(KvSequence seq) {
            List<Integer> out = new ArrayList<>();
            for (List<SequenceChunk> step : steps) {
                for (SequenceChunk c : step) if (c.sequence() == seq) out.add(c.size());
            }
            return out;
        }

        /** The sequence of the chunk computed first in step {@code from} or later. */
        KvSequence firstSequenceFrom(int from) {
            return steps.get(from).getFirst().sequence();
        }
    }

    static Scheduler scheduler(ModelStep m, EngineConfig config) {
        PagedKvCache cache = model.newKvCache(config.parallel() * config.contextSize(), config.kvStorage());
        return new Scheduler(m, cache, tokenizer, model.shape().vocab(), config);
    }

    static EngineConfig config(boolean prefixCaching) {
        return EngineConfig.builder(512).parallel(2).maxQueued(8).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F32).prefixCaching(prefixCaching).build();
    }

    static int[] chat(String system, String user) {
        return tokenizer.encode("<|im_start|>system\n" + system + "<|im_end|>\n<|im_start|>user\n" + user
                + "<|im_end|>\n<|im_start|>assistant\n", true);
    }

    static final String SYSTEM = "You are a careful assistant for a library. Answer briefly, cite the catalogue numbers you use,"
            + " and never invent a book that is not in the catalogue.";

    /** Runs one request to the end. */
    static SchedulerTest.Collector run(Scheduler s, GenerationRequest r) throws Exception {
        SchedulerTest.Collector c = new SchedulerTest.Collector();
        s.submit(r, c);
        c.await();
        return c;
    }

    static int commonPrefix(int[] a, int[] b) {
        int n = 0;
        while (n < Math.min(a.length, b.length) && a[n] == b[n]) n++;
        return n;
    }

    /** Full blocks of the common prefix, leaving the last few prompt tokens to compute. */
    static int expectedCached(int[] earlier, int[] prompt) {
        return Math.max(0, Math.min(commonPrefix(earlier, prompt), prompt.length - Scheduler.MIN_COMPUTED_PROMPT_TOKENS)) / BLOCK * BLOCK;
    }

    static int expectedCached(int[] prompt) {
        return expectedCached(prompt, prompt);
    }

    static double maxLogprobDifference(List<GeneratedToken> a, List<GeneratedToken> b) {
        double worst = 0;
        for (int i = 0; i < a.size(); i++) {
            worst = Math.max(worst, Math.abs(a.get(i).logprob() - b.get(i).logprob()));
            assertThat(a.get(i).top().ids()).as("top ids of token %d", i).containsExactly(b.get(i).top().ids());
            for (int k = 0; k < a.get(i).top().size(); k++) {
                worst = Math.max(worst, Math.abs(a.get(i).top().logprobs()[k] - b.get(i).top().logprobs()[k]));
            }
        }
        return worst;
    }

    @Test
    void aRepeatedPromptReusesItsFullBlocksAndGeneratesTheSame() throws Exception {
        int[] prompt = chat(SYSTEM, "Which books about tea do you have?");
        GenerationRequest r = GenerationRequest.builder(prompt, 12).ignoreEos(true).logprobs(5).build();
        SchedulerTest.Collector reference;
        try (Scheduler plain = scheduler(model, config(false))) {
            reference = run(plain, r);
            assertThat(reference.await().cachedTokens()).isZero();
            assertThat(run(plain, r).await().cachedTokens()).as("without the cache nothing is reused").isZero();
            assertThat(plain.cachedKvBlocks()).isZero();
        }
        Recording log = new Recording();
        try (Scheduler s = scheduler(log, config(true))) {
            SchedulerTest.Collector first = run(s, r);
            assertThat(first.await().cachedTokens()).isZero();
            // The first run sealed every full block it wrote: prompt and fed-back generated tokens (the last one never is).
            assertThat(s.cachedKvBlocks()).isEqualTo((prompt.length + 12 - 1) / BLOCK);
            int stepsBefore = log.steps.size();
            SchedulerTest.Collector second = run(s, r);
            int cached = expectedCached(prompt);
            assertThat(cached).isEqualTo((prompt.length - 4) / BLOCK * BLOCK).isPositive();
            assertThat(second.await().cachedTokens()).isEqualTo(cached);
            assertThat(second.await().promptTokens()).isEqualTo(prompt.length);
            // Prefill started at the first uncached token: one chunk of the rest, then one token per step.
            List<Integer> sizes = log.chunkSizes(log.firstSequenceFrom(stepsBefore));
            assertThat(sizes.getFirst()).isEqualTo(prompt.length - cached);
            assertThat(sizes.subList(1, sizes.size())).containsOnly(1).hasSize(11);

            assertThat(first.ids()).containsExactly(reference.ids());
            assertThat(second.ids()).containsExactly(reference.ids());
            assertThat(maxLogprobDifference(first.tokens, reference.tokens)).isLessThan(1e-4);
            assertThat(maxLogprobDifference(second.tokens, reference.tokens)).isLessThan(1e-4);
            assertThat(s.freeKvBlocks()).isEqualTo(s.config().parallel() * 512 / BLOCK);
        }
    }

    @Test
    void conversationsSharingASystemPromptReuseItAndAFollowUpTurnReusesTheReply() throws Exception {
        int[] a = chat(SYSTEM, "Do you have anything on the history of tea?");
        int[] b = chat(SYSTEM, "Recommend a novel set in Kyoto, please.");
        assertThat(commonPrefix(a, b)).isGreaterThanOrEqualTo(2 * BLOCK);
        try (Scheduler s = scheduler(model, config(true)); Scheduler plain = scheduler(model, config(false))) {
            SchedulerTest.Collector first = run(s, GenerationRequest.builder(a, 20).ignoreEos(true).build());
            SchedulerTest.Collector other = run(s, GenerationRequest.builder(b, 8).ignoreEos(true).build());
            assertThat(other.await().cachedTokens()).isEqualTo(expectedCached(a, b)).isPositive();
            assertThat(other.ids()).containsExactly(run(plain, GenerationRequest.builder(b, 8).ignoreEos(true).build()).ids());

            // The follow-up turn resends the reply: its blocks were sealed as they were generated.
            int[] reply = first.ids();
            int[] followUp = concat(a, reply, tokenizer.encode("<|im_end|>\n<|im_start|>user\nAnd in French?<|im_end|>\n<|im_start|>assistant\n", true));
            int[] conversation = concat(a, Arrays.copyOf(reply, reply.length - 1)); // what turn one's KV holds
            SchedulerTest.Collector next = run(s, GenerationRequest.builder(followUp, 8).ignoreEos(true).build());
            assertThat(next.await().cachedTokens()).isEqualTo(expectedCached(conversation, followUp)).isGreaterThan(a.length / BLOCK * BLOCK);
            assertThat(next.ids()).containsExactly(run(plain, GenerationRequest.builder(followUp, 8).ignoreEos(true).build()).ids());
        }
    }

    /**
     * Whatever the prompt's length: the same greedy tokens and top logprobs as a computed prompt. At least 4 tokens are
     * computed, so the tail runs the prefill kernels, whose rows do not depend on each other: once the JIT has compiled
     * them the logprobs are the same bits (before, a lane reduction may sum in another order, ~1e-5, cache or not). A
     * tail of 1 to 3 would run the decode kernels, another summation order: within 2e-5, but never the same bits.
     */
    @ParameterizedTest(name = "prompt of {0} tokens")
    @ValueSource(ints = {17, 19, 20, 21, 35, 36, 47, 48, 52, 100})
    void greedyTokensAndLogprobsEqualAComputedPromptWhateverTheUncachedTail(int length) throws Exception {
        int[] prompt = new SplittableRandom(length).ints(length, 0, model.shape().vocab()).toArray();
        GenerationRequest r = GenerationRequest.builder(prompt, 12).ignoreEos(true).logprobs(5).build();
        try (Scheduler s = scheduler(model, config(true)); Scheduler plain = scheduler(model, config(false))) {
            SchedulerTest.Collector computed = run(plain, r);
            run(s, r);
            SchedulerTest.Collector cached = run(s, r);
            assertThat(cached.await().cachedTokens()).isEqualTo(Math.max(0, length - 4) / BLOCK * BLOCK);
            assertThat(cached.ids()).containsExactly(computed.ids());
            assertThat(maxLogprobDifference(cached.tokens, computed.tokens)).isLessThan(1e-4);
        }
    }

    @Test
    void aSequenceSharesTheBlocksOfOneStillRunning() throws Exception {
        int[] prompt = new SplittableRandom(5).ints(50, 0, model.shape().vocab()).toArray();
        GenerationRequest r = GenerationRequest.builder(prompt, 24).ignoreEos(true).build();
        int[] expected;
        try (Scheduler plain = scheduler(model, config(false))) {
            expected = run(plain, r).ids();
        }
        try (Scheduler s = scheduler(model, config(true))) {
            SchedulerTest.Collector joined = new SchedulerTest.Collector();
            int[] seen = new int[2];
            SchedulerTest.Collector running = new SchedulerTest.Collector() {
                @Override
                public void onToken(GeneratedToken token) {
                    super.onToken(token);
                    if (tokens.size() == 2) s.submit(r, joined); // the prompt's full blocks are sealed by now
                    if (tokens.size() == 6) {
                        seen[0] = s.running();
                        seen[1] = s.freeKvBlocks();
                    }
                }
            };
            s.submit(r, running);
            assertThat(joined.await().cachedTokens()).isEqualTo(32); // 50 − 4 tokens at most: 2 blocks
            running.await();
            assertThat(running.ids()).containsExactly(expected);
            assertThat(joined.ids()).containsExactly(expected);
            // Both running, at the first's 6th token: 2 shared blocks, and two of its own each (tokens 32 to 55 at most):
            // the second computed its third block again, and keeps it unsealed (the first's copy has the address).
            assertThat(seen[0]).isEqualTo(2);
            assertThat(seen[1]).isEqualTo(s.config().parallel() * 512 / BLOCK - 2 - 2 - 2);
        }
    }

    @Test
    void cancellationLetsGoOfEveryBlockAndKeepsTheSealedOnesCached() throws Exception {
        int[] prompt = new SplittableRandom(9).ints(70, 0, model.shape().vocab()).toArray();
        try (Scheduler s = scheduler(model, config(true))) {
            int total = s.freeKvBlocks();
            for (int round = 0; round < 2; round++) {
                int[] whileRunning = new int[2];
                Handle[] handle = new Handle[1];
                SchedulerTest.Collector c = new SchedulerTest.Collector() {
                    @Override
                    public void onToken(GeneratedToken token) {
                        super.onToken(token);
                        if (tokens.size() == 1) {
                            whileRunning[0] = s.freeKvBlocks();
                            whileRunning[1] = s.cachedKvBlocks();
                        }
                        if (tokens.size() == 5) handle[0].cancel(); // from the scheduler thread: no more steps for it
                    }
                };
                handle[0] = s.submit(GenerationRequest.builder(prompt, 400).ignoreEos(true).build(), c);
                Completion done = c.await();
                assertThat(done.reason()).isEqualTo(new FinishReason.Cancelled());
                assertThat(done.completionTokens()).isEqualTo(5);
                assertThat(done.cachedTokens()).as("round %d", round).isEqualTo(round == 0 ? 0 : 64);
                // 70 prompt tokens held in 5 blocks; in round 2, 4 of them shared from the cache, which is then empty.
                assertThat(whileRunning[0]).isEqualTo(total - 5);
                assertThat(whileRunning[1]).isZero();
                // Everything back; the KV held 70 + 4 fed-back tokens: 4 full blocks stay cached.
                assertThat(s.freeKvBlocks()).isEqualTo(total);
                assertThat(s.cachedKvBlocks()).isEqualTo(4);
                assertThat(s.running()).isZero();
            }
        }
    }

    @Test
    void aFullPoolEvictsTheLeastRecentlyUsedCachedBlocks() throws Exception {
        // One sequence of up to 64 tokens: a pool of 4 blocks. Each request holds 3 (30 + 9 fed-back tokens).
        EngineConfig small = EngineConfig.builder(64).parallel(1).maxQueued(8).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F32).prefixCaching(true).build();
        int[] one = new SplittableRandom(11).ints(30, 0, model.shape().vocab()).toArray();
        int[] two = new SplittableRandom(12).ints(30, 0, model.shape().vocab()).toArray();
        GenerationRequest r1 = GenerationRequest.builder(one, 10).ignoreEos(true).build(), r2 = GenerationRequest.builder(two, 10).ignoreEos(true).build();
        List<int[]> expected;
        try (Scheduler plain = scheduler(model, small.toBuilder().prefixCaching(false).build())) {
            expected = List.of(run(plain, r1).ids(), run(plain, r2).ids());
        }
        try (Scheduler s = scheduler(model, small)) {
            assertThat(run(s, r1).ids()).containsExactly(expected.get(0));
            assertThat(s.cachedKvBlocks()).isEqualTo(2);
            // The second takes the 2 empty blocks, then evicts the first's last block (its first one is used more recently).
            assertThat(run(s, r2).ids()).containsExactly(expected.get(1));
            assertThat(s.cachedKvBlocks()).isEqualTo(3);
            SchedulerTest.Collector again = run(s, r1);
            assertThat(again.await().cachedTokens()).isEqualTo(BLOCK);
            assertThat(again.ids()).containsExactly(expected.get(0));
            assertThat(s.freeKvBlocks()).isEqualTo(4);
        }
    }

    static int[] concat(int[]... parts) {
        int[] out = new int[Arrays.stream(parts).mapToInt(p -> p.length).sum()];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
