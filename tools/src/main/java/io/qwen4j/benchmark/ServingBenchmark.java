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

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * A load test of the {@link Scheduler}, in process: at each concurrency N, N streams submitted together,
 * each a random prompt of P tokens and G greedy tokens (end of generation ignored), on a scheduler with
 * {@code --parallel N}. Per stream: time to first token (submission → first token) and time per output token
 * ((last − first) ÷ (G − 1)); for the level: output tokens/s over the whole run (prefill included) and decode
 * tokens/s, the tokens after each stream's first over the span from the first first token to the last token.
 */
public final class ServingBenchmark {

    /** How every level runs. */
    public record Settings(int promptTokens, int genTokens, int batchTokens, PagedKvCache.Storage kvStorage) {
        public Settings {
            if (promptTokens < 1 || genTokens < 2) throw new IllegalArgumentException("--prompt must be >= 1 and --gen >= 2");
            if (batchTokens < 1) throw new IllegalArgumentException("--batch-tokens must be >= 1");
        }
    }

    /**
     * One concurrency's figures; times in milliseconds.
     *
     * @param steps model steps the level took (fewer than tokens when streams share them)
     */
    public record Level(int concurrency, double seconds, long outputTokens, long steps, double outputTokensPerS,
                        double decodeTokensPerS, double ttftP50Ms, double ttftP99Ms, double tpotP50Ms, double tpotP99Ms) {
    }

    private ServingBenchmark() {
    }

    /** Runs a warm-up (compiling the batched paths), then every level in the order given, each told to {@code onLevel}. */
    public static List<Level> run(TextModel model, Qwen3Tokenizer tokenizer, int[] concurrencies, Settings settings,
                                  Consumer<Level> onLevel) {
        int widest = Arrays.stream(concurrencies).max().orElseThrow();
        Settings warm = new Settings(settings.promptTokens(), Math.min(settings.genTokens(), 8), settings.batchTokens(), settings.kvStorage());
        level(model, tokenizer, widest, warm, 99);
        level(model, tokenizer, 1, warm, 98);
        List<Level> levels = new ArrayList<>();
        for (int n : concurrencies) {
            Level l = level(model, tokenizer, n, settings, n);
            onLevel.accept(l);
            levels.add(l);
        }
        return levels;
    }

    /** N streams at once on a fresh scheduler of N slots. */
    static Level level(TextModel model, Qwen3Tokenizer tokenizer, int n, Settings s, long seed) {
        if (n < 1) throw new IllegalArgumentException("concurrency must be >= 1: " + n);
        // A whole number of KV blocks per sequence (blocks are at most 64 tokens), so that all N fit in the pool at once.
        int context = (s.promptTokens() + s.genTokens() + 63) / 64 * 64;
        EngineConfig config = EngineConfig.builder(context).parallel(n).maxQueued(0).stepTokenBudget(s.batchTokens())
                .kvStorage(s.kvStorage()).build();
        SplittableRandom random = new SplittableRandom(seed);
        int vocab = model.shape().vocab();
        long[] submitted = new long[n], first = new long[n], last = new long[n];
        CountDownLatch done = new CountDownLatch(n);
        RuntimeException[] failure = new RuntimeException[1];
        try (PagedKvCache cache = model.newKvCache(n * context, s.kvStorage());
             Scheduler scheduler = new Scheduler(model, cache, tokenizer, config)) {
            List<GenerationRequest> requests = new ArrayList<>();
            List<TokenListener> listeners = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                requests.add(GenerationRequest.builder(random.ints(s.promptTokens(), 0, vocab).toArray(), s.genTokens()).ignoreEos(true).build());
                int stream = i;
                listeners.add(new TokenListener() {
                    @Override
                    public void onToken(GeneratedToken token) {
                        long now = System.nanoTime();
                        if (first[stream] == 0) first[stream] = now;
                        last[stream] = now;
                    }

                    @Override
                    public void onFinish(Completion completion) {
                        done.countDown();
                    }

                    @Override
                    public void onError(RuntimeException error) {
                        failure[0] = error;
                        done.countDown();
                    }
                });
            }
            long t0 = System.nanoTime();
            Arrays.fill(submitted, t0);
            scheduler.submitAll(requests, listeners);
            done.await();
            if (failure[0] != null) throw failure[0];
            long end = Arrays.stream(last).max().orElseThrow();
            long firstFirst = Arrays.stream(first).min().orElseThrow();
            double[] ttft = new double[n], tpot = new double[n];
            for (int i = 0; i < n; i++) {
                ttft[i] = (first[i] - submitted[i]) / 1e6;
                tpot[i] = (last[i] - first[i]) / 1e6 / (s.genTokens() - 1);
            }
            long output = (long) n * s.genTokens();
            double seconds = (end - t0) / 1e9;
            double decode = (double) n * (s.genTokens() - 1) / ((end - firstFirst) / 1e9);
            return new Level(n, seconds, output, scheduler.steps(), output / seconds, decode,
                    percentile(ttft, 50), percentile(ttft, 99), percentile(tpot, 50), percentile(tpot, 99));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Nearest-rank percentile. */
    public static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
