package io.qwen4j.cli;

import io.qwen4j.benchmark.HttpServingBenchmark;
import io.qwen4j.benchmark.PrefixCacheBenchmark;
import io.qwen4j.benchmark.ServingBenchmark;
import io.qwen4j.benchmark.ThroughputBenchmark;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.ModelArchitectures;
import io.qwen4j.model.TextModel;
import io.qwen4j.tensor.WorkerPool;
import io.qwen4j.tokenizer.Qwen3Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code qwen4j bench}: llama-bench's pp/tg numbers, with the memory bandwidth measured in the same run; with
 * {@code --concurrency}, a load test of the continuous-batching scheduler instead, in process or, with
 * {@code --url}, over HTTP against any OpenAI-compatible server; with {@code --prefix-cache}, the time to first
 * token of a follow-up turn with and without prefix caching.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure prefill (pp N) and decode (tg M) tokens/s of a text model on random tokens,",
                "and the machine's memory-read bandwidth with the same threads: decode cannot beat",
                "bandwidth / weight bytes per token, and the share of that limit is reported.",
                "With --concurrency 1,4,8,16: a load test of the serving scheduler (in process) — at each level N streams",
                "at once with --parallel N, each a random --prompt and --gen greedy tokens; reports aggregate",
                "tokens/s, time to first token and time per output token (p50/p99).",
                "With --url http://HOST:PORT as well: the same load test over HTTP (/v1/completions, streaming), against",
                "qwen4j serve or any server that speaks it (llama.cpp's llama-server, vLLM), so both compare.",
                "With --prefix-cache: time to first token of a follow-up turn that resends a shared prefix of --prompt",
                "tokens (default 2000), a question and the --gen token reply, with prefix caching and without."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE.gguf", description = "A Qwen3-VL (or Qwen3) text model.")
    Path model;

    @Option(names = "--url", paramLabel = "URL",
            description = "Load test (--concurrency) of a running server at this address instead of a model in process.")
    URI url;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Bearer key for --url (default: $QWEN4J_API_KEY, if set).")
    String apiKey;

    @Option(names = {"-p", "--prompt"}, description = "Prompt tokens of the prefill test (default: 512), of each stream (default: 128).")
    Integer prompt;

    @Option(names = {"-n", "--gen"}, description = "Decode steps of the generation test (default: 128), tokens of each stream (default: 64).")
    Integer gen;

    @Option(names = "--concurrency", split = ",", paramLabel = "N[,N…]",
            description = "Run the serving load test at these numbers of concurrent streams (e.g. 1,4,8,16).")
    int[] concurrency;

    @Option(names = "--prefix-cache", description = "Measure the follow-up turn's time to first token, cached vs computed.")
    boolean prefixCache;

    @Option(names = {"-b", "--batch-tokens"}, defaultValue = "512",
            description = "Load test: tokens per model step, as serve's --batch-tokens (default: ${DEFAULT-VALUE}).")
    int batchTokens;

    @Option(names = {"-t", "--threads"}, description = "Threads (default: available processors).")
    Integer threads;

    @Option(names = {"-r", "--repetitions"}, defaultValue = "1", description = "Prefill runs averaged (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--mmap", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "Read the weights in place from the memory-mapped file instead of copying them into 2 MiB huge pages (as serve; default: --no-mmap).")
    boolean mmap;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (concurrency != null && prefixCache) throw new ParameterException(spec.commandLine(), "--concurrency and --prefix-cache are two benchmarks: pick one");
        if (url != null) {
            if (concurrency == null) throw new ParameterException(spec.commandLine(), "--url needs --concurrency");
            if (model != null) throw new ParameterException(spec.commandLine(), "--url and --model exclude each other");
            return servingOverHttp();
        }
        if (model == null) throw new ParameterException(spec.commandLine(), "Missing required option: '--model=FILE.gguf'");
        if (concurrency != null) return serving();
        if (prefixCache) return prefixCache();
        int prompt = this.prompt != null ? this.prompt : 512, gen = this.gen != null ? this.gen : 128;
        if (prompt < 1 || gen < 1 || repetitions < 1) throw new IllegalArgumentException("--prompt, --gen and --repetitions must be positive");
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (GgufFile gguf = GgufFile.open(model, memory()); WorkerPool pool = new WorkerPool(n)) {
            TextModel m = ModelArchitectures.BUILT_IN.of(gguf).load(gguf, pool);
            if (!json) System.err.println("bench: weights " + gguf.memoryNote());
            ThroughputBenchmark.Result r = ThroughputBenchmark.run(m, pool, gguf.mapping().byteSize(), prompt, gen, repetitions);
            if (json) {
                System.out.println(String.format(Locale.ROOT,
                        "{\"model\":\"%s\",\"file_type\":\"%s\",\"threads\":%d,\"prompt_tokens\":%d,\"gen_tokens\":%d,"
                                + "\"prefill_tokens_per_s\":%.3f,\"decode_tokens_per_s\":%.3f,\"model_bytes\":%d,"
                                + "\"weight_bytes_per_token\":%d,\"bandwidth_gb_s\":%.3f,\"decode_bandwidth_share\":%.4f,"
                                + "\"prefill_core_share\":%.3f,\"decode_core_share\":%.3f,\"weights_memory\":\"%s\"}",
                        jsonEscape(model.toString()), jsonEscape(gguf.fileTypeName()), r.threads(), r.promptTokens(),
                        r.generatedTokens(), r.prefillTokensPerS(), r.decodeTokensPerS(), r.modelBytes(),
                        r.weightBytesPerStep(), r.bandwidthGBs(), r.decodeBandwidthShare(), r.prefillCoreShare(),
                        r.decodeCoreShare(), gguf.memory()));
            } else {
                double limit = r.bandwidthGBs() * 1e9 / r.weightBytesPerStep();
                System.out.printf(Locale.ROOT, "model      %s (%s), %.2f GB, %s, %d threads%n", model, gguf.fileTypeName(),
                        r.modelBytes() / 1e9, m, r.threads());
                System.out.printf(Locale.ROOT, "prefill    pp%-5d %8.2f tokens/s  (the threads had %.0f %% of their cores)%n",
                        r.promptTokens(), r.prefillTokensPerS(), 100 * r.prefillCoreShare());
                System.out.printf(Locale.ROOT, "decode     tg%-5d %8.2f tokens/s  (the threads had %.0f %% of their cores)%n",
                        r.generatedTokens(), r.decodeTokensPerS(), 100 * r.decodeCoreShare());
                System.out.printf(Locale.ROOT, "bandwidth  %.1f GB/s read (%d threads); decode streams %.2f GB/token: limit %.1f tokens/s, reached %.0f %%%n",
                        r.bandwidthGBs(), r.threads(), r.weightBytesPerStep() / 1e9, limit, 100 * r.decodeBandwidthShare());
            }
        }
        return 0;
    }

    /** The in-process load test. */
    private int serving() throws Exception {
        ServingBenchmark.Settings settings = new ServingBenchmark.Settings(prompt != null ? prompt : 128, gen != null ? gen : 64,
                batchTokens, PagedKvCache.Storage.F16);
        checkConcurrency();
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (GgufFile gguf = GgufFile.open(model, memory()); WorkerPool pool = new WorkerPool(n)) {
            TextModel m = ModelArchitectures.BUILT_IN.of(gguf).load(gguf, pool);
            if (!json) System.err.println("bench: weights " + gguf.memoryNote());
            Qwen3Tokenizer tokenizer = Qwen3Tokenizer.fromGguf(gguf);
            double loadBefore = loadAverage();
            List<ServingBenchmark.Level> levels = ServingBenchmark.run(m, tokenizer, concurrency, settings, this::progress);
            String json = String.format(Locale.ROOT, "\"model\":\"%s\",\"file_type\":\"%s\",\"threads\":%d,\"batch_tokens\":%d",
                    jsonEscape(model.toString()), jsonEscape(gguf.fileTypeName()), n, batchTokens);
            String title = String.format(Locale.ROOT, "model  %s (%s), %d threads, batch %d tokens", model, gguf.fileTypeName(), n, batchTokens);
            report(json, title, settings.promptTokens(), settings.genTokens(), loadBefore, levels);
        }
        return 0;
    }

    /** The load test of a running server. */
    private int servingOverHttp() throws Exception {
        checkConcurrency();
        int p = prompt != null ? prompt : 128, g = gen != null ? gen : 64;
        HttpServingBenchmark client = new HttpServingBenchmark(url, apiKey != null ? apiKey : System.getenv("QWEN4J_API_KEY"));
        String name = client.model();
        double loadBefore = loadAverage();
        List<ServingBenchmark.Level> levels = client.run(concurrency, p, g, this::progress);
        report(String.format(Locale.ROOT, "\"url\":\"%s\",\"model\":\"%s\"", jsonEscape(url.toString()), jsonEscape(name)),
                String.format(Locale.ROOT, "server %s, model %s", url, name), p, g, loadBefore, levels);
        return 0;
    }

    private void checkConcurrency() {
        for (int c : concurrency) {
            if (c < 1) throw new ParameterException(spec.commandLine(), "--concurrency values must be positive: " + c);
        }
    }

    /** Levels of a large model take minutes: progress on stderr, the figures on stdout. */
    private void progress(ServingBenchmark.Level l) {
        System.err.printf(Locale.ROOT, "bench: concurrency %d done in %.1f s%n", l.concurrency(), l.seconds());
    }

    /** One line per concurrency, or one JSON object ({@code jsonFields} first); "steps" is -1 over HTTP. */
    private void report(String jsonFields, String title, int promptTokens, int genTokens, double loadBefore,
                        List<ServingBenchmark.Level> levels) {
        double loadAfter = loadAverage();
        ServingBenchmark.Level one = levels.stream().filter(l -> l.concurrency() == 1).findFirst().orElse(null);
        if (json) {
            StringBuilder out = new StringBuilder("{").append(jsonFields).append(String.format(Locale.ROOT,
                    ",\"prompt_tokens\":%d,\"gen_tokens\":%d,\"load_average_before\":%.2f,\"load_average_after\":%.2f,\"levels\":[",
                    promptTokens, genTokens, loadBefore, loadAfter));
            for (int i = 0; i < levels.size(); i++) {
                ServingBenchmark.Level l = levels.get(i);
                out.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                        "{\"concurrency\":%d,\"seconds\":%.3f,\"output_tokens\":%d,\"steps\":%d,\"output_tokens_per_s\":%.3f,"
                                + "\"decode_tokens_per_s\":%.3f,\"decode_vs_one_stream\":%s,\"ttft_p50_ms\":%.2f,\"ttft_p99_ms\":%.2f,"
                                + "\"tpot_p50_ms\":%.2f,\"tpot_p99_ms\":%.2f}",
                        l.concurrency(), l.seconds(), l.outputTokens(), l.steps(), l.outputTokensPerS(), l.decodeTokensPerS(),
                        one == null ? "null" : String.format(Locale.ROOT, "%.3f", l.decodeTokensPerS() / one.decodeTokensPerS()),
                        l.ttftP50Ms(), l.ttftP99Ms(), l.tpotP50Ms(), l.tpotP99Ms()));
            }
            System.out.println(out.append("]}"));
        } else {
            System.out.printf(Locale.ROOT, "%s, prompt %d, gen %d; load average %.2f → %.2f%n", title, promptTokens, genTokens, loadBefore, loadAfter);
            System.out.printf(Locale.ROOT, "%6s %10s %10s %7s %10s %10s %10s %10s%n",
                    "conc", "out tok/s", "dec tok/s", "vs 1", "TTFT p50", "TTFT p99", "TPOT p50", "TPOT p99");
            for (ServingBenchmark.Level l : levels) {
                System.out.printf(Locale.ROOT, "%6d %10.2f %10.2f %7s %8.1fms %8.1fms %8.1fms %8.1fms%n", l.concurrency(),
                        l.outputTokensPerS(), l.decodeTokensPerS(),
                        one == null ? "-" : String.format(Locale.ROOT, "%.2fx", l.decodeTokensPerS() / one.decodeTokensPerS()),
                        l.ttftP50Ms(), l.ttftP99Ms(), l.tpotP50Ms(), l.tpotP99Ms());
            }
        }
    }

    /** The follow-up turn's time to first token, with the prefix cache and without: one line each, or one JSON object. */
    private int prefixCache() throws Exception {
        PrefixCacheBenchmark.Settings settings = new PrefixCacheBenchmark.Settings(prompt != null ? prompt : 2000, 16,
                gen != null ? gen : 32, batchTokens, PagedKvCache.Storage.F16);
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (GgufFile gguf = GgufFile.open(model, memory()); WorkerPool pool = new WorkerPool(n)) {
            TextModel m = ModelArchitectures.BUILT_IN.of(gguf).load(gguf, pool);
            Qwen3Tokenizer tokenizer = Qwen3Tokenizer.fromGguf(gguf);
            double loadBefore = loadAverage();
            PrefixCacheBenchmark.Result r = PrefixCacheBenchmark.run(m, tokenizer, settings);
            double loadAfter = loadAverage();
            if (json) {
                System.out.println(String.format(Locale.ROOT,
                        "{\"model\":\"%s\",\"file_type\":\"%s\",\"threads\":%d,\"prefix_tokens\":%d,\"reply_tokens\":%d,"
                                + "\"follow_up_tokens\":%d,\"cached_tokens\":%d,\"first_turn_ttft_ms\":%.2f,\"uncached_ttft_ms\":%.2f,"
                                + "\"cached_ttft_ms\":%.2f,\"speedup\":%.3f,\"load_average_before\":%.2f,\"load_average_after\":%.2f}",
                        jsonEscape(model.toString()), jsonEscape(gguf.fileTypeName()), n, settings.prefixTokens(), settings.replyTokens(),
                        r.followUpTokens(), r.cachedTokens(), r.firstTurnTtftMs(), r.uncachedTtftMs(), r.cachedTtftMs(), r.speedup(),
                        loadBefore, loadAfter));
            } else {
                System.out.printf(Locale.ROOT, "model  %s (%s), %d threads, shared prefix %d, reply %d, batch %d tokens; load average %.2f → %.2f%n",
                        model, gguf.fileTypeName(), n, settings.prefixTokens(), settings.replyTokens(), batchTokens, loadBefore, loadAfter);
                System.out.printf(Locale.ROOT, "first turn          TTFT %10.1f ms  (nothing cached)%n", r.firstTurnTtftMs());
                System.out.printf(Locale.ROOT, "follow-up, computed TTFT %10.1f ms  (%d prompt tokens)%n", r.uncachedTtftMs(), r.followUpTokens());
                System.out.printf(Locale.ROOT, "follow-up, cached   TTFT %10.1f ms  (%d of them from the cache): %.1fx faster%n",
                        r.cachedTtftMs(), r.cachedTokens(), r.speedup());
            }
        }
        return 0;
    }

    private GgufFile.Memory memory() {
        return mmap ? GgufFile.Memory.MAPPED : GgufFile.Memory.HUGE_PAGES;
    }

    /** The machine's 1-minute load average (other processes share the cores), or -1 where unknown. */
    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
