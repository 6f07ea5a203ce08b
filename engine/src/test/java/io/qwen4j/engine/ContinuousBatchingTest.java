package io.qwen4j.engine;

import io.qwen4j.kv.KvSequence;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.ModelStep;
import io.qwen4j.model.SequenceChunk;
import io.qwen4j.model.TextModel;
import io.qwen4j.sampling.SamplingParams;
import io.qwen4j.testing.TinyModel;
import io.qwen4j.tokenizer.Qwen3Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Continuous batching observed through the batches themselves: a {@link ModelStep} that records every step's
 * chunks (which sequence, how many tokens) before running it. Sequences join from inside other sequences'
 * token callbacks, so every assertion is about step numbers, never about wall time.
 */
class ContinuousBatchingTest {
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

    record Chunk(KvSequence sequence, int size) {
    }

    /** The real model, with a log of every batch it ran (step i of the scheduler = entry i). */
    static final class RecordingModel implements ModelStep {
        final List<List<Chunk>> steps = new CopyOnWriteArrayList<>();

        @Override
        public StepOutput step(PagedKvCache cache, List<SequenceChunk> chunks) {
            steps.add(chunks.stream().map(c -> new Chunk(c.sequence(), c.size())).toList());
            return model.step(cache, chunks);
        }

        /** Size of {@code seq}'s chunk in step {@code step}, 0 when it was not in that batch. */
        int size(int step, KvSequence seq) {
            for (Chunk c : steps.get(step)) if (c.sequence() == seq) return c.size();
            return 0;
        }
    }

    /** Collects a sequence's tokens with the step that produced each (the log's size when the token arrives). */
    static class Stream extends SchedulerTest.Collector {
        final RecordingModel log;
        final List<Integer> tokenSteps = new CopyOnWriteArrayList<>();

        Stream(RecordingModel log) {
            this.log = log;
        }

        @Override
        public void onToken(GeneratedToken token) {
            tokenSteps.add(log.steps.size() - 1);
            super.onToken(token);
        }
    }

    static Scheduler scheduler(ModelStep m, EngineConfig config) {
        PagedKvCache cache = model.newKvCache(config.parallel() * config.contextSize(), config.kvStorage());
        return new Scheduler(m, cache, tokenizer, model.shape().vocab(), config);
    }

    static int[] randomPrompt(long seed, int length) {
        return new SplittableRandom(seed).ints(length, 0, model.shape().vocab()).toArray();
    }

    @Test
    void aLongPromptIsPrefilledInChunksWhileARunningStreamGetsATokenEveryStep() throws Exception {
        RecordingModel log = new RecordingModel();
        int budget = 16;
        try (Scheduler s = scheduler(log, EngineConfig.builder(512).parallel(4).maxQueued(8).stepTokenBudget(budget).kvStorage(PagedKvCache.Storage.F32).build())) {
            int total = s.freeKvBlocks();
            int[] longPrompt = randomPrompt(7, 300);
            Stream big = new Stream(log);
            List<Integer> submittedAtStep = new CopyOnWriteArrayList<>();
            // The running stream submits the long prompt itself at its third token: the join step is exact.
            Stream running = new Stream(log) {
                @Override
                public void onToken(GeneratedToken token) {
                    super.onToken(token);
                    if (tokens.size() == 3) {
                        submittedAtStep.add(log.steps.size() - 1);
                        s.submit(GenerationRequest.builder(longPrompt, 2).ignoreEos(true).build(), big);
                    }
                }
            };
            Handle h = s.submit(GenerationRequest.builder(randomPrompt(1, 6), 400).ignoreEos(true).build(), running);
            assertThat(big.await().completionTokens()).isEqualTo(2);
            h.cancel();
            assertThat(running.await().reason()).isEqualTo(new FinishReason.Cancelled());

            KvSequence a = log.steps.getFirst().getFirst().sequence();
            int joined = submittedAtStep.getFirst() + 1; // new requests join at the next step
            KvSequence b = log.steps.get(joined).stream().map(Chunk::sequence).filter(q -> q != a).findFirst().orElseThrow();
            List<Integer> prefillSteps = new ArrayList<>();
            for (int i = 0; i < log.steps.size(); i++) if (log.size(i, b) > 1) prefillSteps.add(i);
            // 300 prompt tokens in chunks of budget − 1 = 15 (one token of each step is the running stream's
            // decode), in 20 consecutive steps from the one right after the submission.
            assertThat(prefillSteps).hasSize(longPrompt.length / (budget - 1));
            assertThat(prefillSteps.getFirst()).isEqualTo(joined);
            assertThat(prefillSteps.getLast() - prefillSteps.getFirst()).isEqualTo(prefillSteps.size() - 1);
            for (int step : prefillSteps) {
                assertThat(log.size(step, b)).isEqualTo(budget - 1);
                assertThat(log.size(step, a)).as("running stream decodes in step %d", step).isEqualTo(1);
                assertThat(running.tokenSteps).as("running stream got a token from step %d", step).contains(step);
            }
            // The finished sequence leaves: from the step after its last token, only the running stream is batched.
            int bEnd = big.tokenSteps.getLast();
            for (int i = bEnd + 1; i < log.steps.size(); i++) assertThat(log.steps.get(i)).extracting(Chunk::sequence).containsOnly(a);
            assertThat(s.freeKvBlocks()).isEqualTo(total);
            assertThat(s.running()).isZero();
        }
    }

    @Test
    void aPromptAdvancesEveryStepEvenWhenDecodeTokensFillTheBudget() throws Exception {
        RecordingModel log = new RecordingModel();
        // A budget of 2 with three streams decoding: decode alone exceeds it, yet the fourth prompt is prefilled.
        try (Scheduler s = scheduler(log, EngineConfig.builder(512).parallel(4).maxQueued(8).stepTokenBudget(2).kvStorage(PagedKvCache.Storage.F32).build())) {
            List<Stream> decoders = new ArrayList<>();
            List<Handle> handles = new ArrayList<>();
            Stream late = new Stream(log);
            for (int i = 0; i < 3; i++) {
                int index = i;
                Stream d = new Stream(log) {
                    @Override
                    public void onToken(GeneratedToken token) {
                        super.onToken(token);
                        if (index == 2 && tokens.size() == 2) s.submit(GenerationRequest.builder(randomPrompt(3, 20), 2).ignoreEos(true).build(), late);
                    }
                };
                decoders.add(d);
                handles.add(s.submit(GenerationRequest.builder(randomPrompt(i, 4), 300).ignoreEos(true).build(), d));
            }
            late.await();
            for (Stream d : decoders) assertThat(d.done).isNotDone(); // finished while all three still stream
            handles.forEach(Handle::cancel);
            for (Stream d : decoders) assertThat(d.await().reason()).isEqualTo(new FinishReason.Cancelled());
            // Submitted in the step of the last decoder's second token; one prompt token per step after it: the
            // 20th prompt token gives the first output, the next step the second.
            assertThat(late.tokenSteps.getLast() - decoders.getLast().tokenSteps.get(1)).isEqualTo(20 + 1);
        }
    }

    @Test
    void cancelledSequencesLeaveTheBatchAndTheQueueAtTheNextStepWithTheirBlocks() throws Exception {
        RecordingModel log = new RecordingModel();
        try (Scheduler s = scheduler(log, EngineConfig.builder(512).parallel(2).maxQueued(4).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F32).build())) {
            int total = s.freeKvBlocks();
            int[] promptB = randomPrompt(2, 21);
            SchedulerTest.Collector queued = new SchedulerTest.Collector();
            // Set by this thread once submitAll returns; the scheduler thread may already be streaming by then.
            java.util.concurrent.atomic.AtomicReferenceArray<Handle> handles = new java.util.concurrent.atomic.AtomicReferenceArray<>(3);
            List<Integer> cancelledAtStep = new CopyOnWriteArrayList<>();
            List<int[]> seenByB = new CopyOnWriteArrayList<>(); // {step, running, waiting, free blocks, B's tokens}
            Stream a = new Stream(log) {
                @Override
                public void onToken(GeneratedToken token) {
                    super.onToken(token);
                    if (tokens.size() == 3) { // cancel a running and a queued sequence, from the scheduler thread
                        cancelledAtStep.add(log.steps.size() - 1);
                        while (handles.get(0) == null || handles.get(2) == null) Thread.onSpinWait();
                        handles.get(0).cancel();
                        handles.get(2).cancel();
                    }
                }
            };
            Stream b = new Stream(log) {
                @Override
                public void onToken(GeneratedToken token) {
                    super.onToken(token);
                    seenByB.add(new int[] {log.steps.size() - 1, s.running(), s.waiting(), s.freeKvBlocks(), tokens.size()});
                }
            };
            List<Handle> hs = s.submitAll(List.of(GenerationRequest.builder(randomPrompt(1, 5), 400).ignoreEos(true).build(),
                    GenerationRequest.builder(promptB, 400).ignoreEos(true).build(), GenerationRequest.greedy(randomPrompt(3, 5), 400)),
                    List.of(a, b, queued));
            for (int i = 0; i < 3; i++) handles.set(i, hs.get(i));
            assertThat(a.await().reason()).isEqualTo(new FinishReason.Cancelled());
            assertThat(queued.await().reason()).isEqualTo(new FinishReason.Cancelled());
            assertThat(queued.tokens).isEmpty();
            while (seenByB.size() < 8) Thread.sleep(1); // b keeps streaming; a few more steps
            handles.get(1).cancel();
            b.await();

            int cancelStep = cancelledAtStep.getFirst();
            KvSequence seqA = log.steps.getFirst().getFirst().sequence();
            for (int i = cancelStep + 1; i < log.steps.size(); i++) assertThat(log.size(i, seqA)).as("step %d", i).isZero();
            assertThat(log.steps).allSatisfy(step -> assertThat(step).hasSizeLessThanOrEqualTo(2)); // the queued one never ran
            int[] next = seenByB.stream().filter(o -> o[0] == cancelStep + 1).findFirst().orElseThrow();
            // At B's token of the very next step: one slot in use, nothing waiting, only B's blocks taken.
            int blocksOfB = (promptB.length + next[4] - 1 + 15) / 16;
            assertThat(next[1]).isEqualTo(1);
            assertThat(next[2]).isZero();
            assertThat(next[3]).isEqualTo(total - blocksOfB);
            assertThat(s.freeKvBlocks()).isEqualTo(total);
        }
    }

    @Test
    void admissionReservesNoMoreThanThePoolHoldsWhenTheContextIsNotWholeBlocks() throws Exception {
        // 4 × 22 tokens = 88: a pool of 6 blocks of 16, while each full sequence reserves 2. Three run, one waits.
        try (Scheduler s = scheduler(model, EngineConfig.builder(22).parallel(4).maxQueued(8).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F32).build())) {
            assertThat(s.freeKvBlocks()).isEqualTo(6);
            List<SchedulerTest.Collector> cs = new ArrayList<>();
            List<GenerationRequest> rs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                cs.add(new SchedulerTest.Collector());
                rs.add(GenerationRequest.builder(randomPrompt(i, 16), 6).ignoreEos(true).build());
            }
            s.submitAll(rs, List.copyOf(cs));
            for (SchedulerTest.Collector c : cs) assertThat(c.await().completionTokens()).isEqualTo(6);
            assertThat(s.freeKvBlocks()).isEqualTo(6);
        }
    }

    @Test
    void aSequenceGivesTheSameTokensAloneAndWithSevenOthersJoiningMidStream() throws Exception {
        int[] lengths = {3, 40, 17, 120, 1, 64, 9, 200};
        SamplingParams sampled = new SamplingParams(0.9f, 40, 0.95f, 0, 0, 1.1f, 0.2f, 0f, Map.of(), 0);
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            GenerationRequest r = GenerationRequest.builder(randomPrompt(100 + i, lengths[i]), 10).ignoreEos(true).build();
            requests.add(i % 2 == 0 ? r : r.toBuilder().sampling(sampled.withSeed(1000 + i)).build()); // greedy and seeded sampling
        }
        List<int[]> alone = new ArrayList<>();
        try (Scheduler s = scheduler(model, EngineConfig.builder(512).parallel(1).maxQueued(8).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F32).build())) {
            for (GenerationRequest r : requests) {
                SchedulerTest.Collector c = new SchedulerTest.Collector();
                s.submit(r, c);
                c.await();
                alone.add(c.ids());
            }
        }
        RecordingModel log = new RecordingModel();
        // Budget 24: the longer prompts are prefilled in chunks while the earlier sequences decode.
        try (Scheduler s = scheduler(log, EngineConfig.builder(512).parallel(8).maxQueued(8).stepTokenBudget(24).kvStorage(PagedKvCache.Storage.F32).build())) {
            SchedulerTest.Collector[] together = new SchedulerTest.Collector[requests.size()];
            for (int i = 0; i < together.length; i++) {
                int next = i + 1;
                // Sequence i + 1 joins when sequence i has produced its second token.
                together[i] = new SchedulerTest.Collector() {
                    @Override
                    public void onToken(GeneratedToken token) {
                        super.onToken(token);
                        if (tokens.size() == 2 && next < together.length) s.submit(requests.get(next), together[next]);
                    }
                };
            }
            s.submit(requests.getFirst(), together[0]);
            for (int i = 0; i < together.length; i++) {
                assertThat(together[i].await().completionTokens()).isEqualTo(10);
                assertThat(together[i].ids()).as("sequence %d", i).containsExactly(alone.get(i));
            }
            assertThat(log.steps.stream().mapToInt(List::size).max().orElseThrow()).as("sequences shared steps").isGreaterThan(2);
        }
    }
}
