package io.qwen4j.benchmark;

import io.qwen4j.engine.Completion;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.engine.GeneratedToken;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.Scheduler;
import io.qwen4j.engine.TokenListener;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.TextModel;
import io.qwen4j.tokenizer.Qwen3Tokenizer;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;

/**
 * Time to first token of a follow-up turn, with prefix caching and without, in process on the {@link Scheduler}.
 * Turn one is a shared prefix of P random tokens (a long system prompt or document) and a question of Q tokens,
 * answered with R greedy tokens; the follow-up resends all of it plus another question of Q tokens. With the cache,
 * the follow-up computes only what follows the last full cached block; without, all of it. Both follow-ups run
 * alone on a fresh scheduler of one slot (the cached one right after its first turn), after a warm-up.
 */
public final class PrefixCacheBenchmark {

    public record Settings(int prefixTokens, int questionTokens, int replyTokens, int batchTokens, PagedKvCache.Storage kvStorage) {
        public Settings {
            if (prefixTokens < 1 || questionTokens < 1 || replyTokens < 1) {
                throw new IllegalArgumentException("--prompt, the question and --gen must be >= 1");
            }
            if (batchTokens < 1) throw new IllegalArgumentException("--batch-tokens must be >= 1");
        }

        int followUpTokens() {
            return prefixTokens + 2 * questionTokens + replyTokens;
        }
    }

    /**
     * Times in milliseconds.
     *
     * @param firstTurnTtftMs the first turn's time to first token (nothing cached yet)
     * @param cachedTokens    prompt tokens of the follow-up whose KV the cache gave
     */
    public record Result(int followUpTokens, int cachedTokens, double firstTurnTtftMs, double uncachedTtftMs, double cachedTtftMs) {
        public double speedup() {
            return uncachedTtftMs / cachedTtftMs;
        }
    }

    private PrefixCacheBenchmark() {
    }

    public static Result run(TextModel model, Qwen3Tokenizer tokenizer, Settings s) {
        int vocab = model.shape().vocab();
        SplittableRandom random = new SplittableRandom(2000);
        int[] prefix = random.ints(s.prefixTokens(), 0, vocab).toArray();
        int[] question = random.ints(s.questionTokens(), 0, vocab).toArray();
        int[] next = random.ints(s.questionTokens(), 0, vocab).toArray();

        // Warm-up: both paths (a long chunk from scratch, a short tail after cached blocks) on a small conversation.
        Settings small = new Settings(Math.min(64, s.prefixTokens()), s.questionTokens(), 2, s.batchTokens(), s.kvStorage());
        try (Scheduler warm = scheduler(model, tokenizer, small, true)) {
            int[] p = random.ints(small.prefixTokens() + small.questionTokens(), 0, vocab).toArray();
            first(warm, p, small.replyTokens());
            first(warm, p, 1);
        }

        int[] turnOne = concat(prefix, question);
        Timed firstTurn, cached;
        int[] followUp;
        try (Scheduler withCache = scheduler(model, tokenizer, s, true)) {
            firstTurn = first(withCache, turnOne, s.replyTokens());
            followUp = concat(turnOne, firstTurn.tokens(), next);
            cached = first(withCache, followUp, 1);
        }
        Timed uncached;
        try (Scheduler without = scheduler(model, tokenizer, s, false)) {
            uncached = first(without, followUp, 1);
        }
        return new Result(followUp.length, cached.completion().cachedTokens(), firstTurn.ttftMs(), uncached.ttftMs(), cached.ttftMs());
    }

    private static Scheduler scheduler(TextModel model, Qwen3Tokenizer tokenizer, Settings s, boolean prefixCaching) {
        EngineConfig config = EngineConfig.builder(s.followUpTokens() + 1).parallel(1).maxQueued(0).stepTokenBudget(s.batchTokens())
                .kvStorage(s.kvStorage()).prefixCaching(prefixCaching).build();
        return new Scheduler(model, model.newKvCache(config.contextSize(), config.kvStorage()), tokenizer, config);
    }

    private record Timed(double ttftMs, int[] tokens, Completion completion) {
    }

    /** Runs one request to the end: its time to first token and its tokens. */
    private static Timed first(Scheduler scheduler, int[] prompt, int maxTokens) {
        long[] firstAt = new long[1];
        IntStream.Builder tokens = IntStream.builder();
        CompletableFuture<Completion> done = new CompletableFuture<>();
        long t0 = System.nanoTime();
        scheduler.submit(GenerationRequest.builder(prompt, maxTokens).ignoreEos(true).build(), new TokenListener() {
            @Override
            public void onToken(GeneratedToken token) {
                if (firstAt[0] == 0) firstAt[0] = System.nanoTime();
                tokens.add(token.id());
            }

            @Override
            public void onFinish(Completion completion) {
                done.complete(completion);
            }

            @Override
            public void onError(RuntimeException error) {
                done.completeExceptionally(error);
            }
        });
        try {
            Completion c = done.get();
            return new Timed((firstAt[0] - t0) / 1e6, tokens.build().toArray(), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }

    private static int[] concat(int[]... parts) {
        return List.of(parts).stream().flatMapToInt(IntStream::of).toArray();
    }
}
