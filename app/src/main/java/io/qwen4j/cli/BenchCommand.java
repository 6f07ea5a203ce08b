package io.qwen4j.cli;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.model.Qwen3VlTextModel;
import io.qwen4j.model.ThroughputBenchmark;
import io.qwen4j.tensor.WorkerPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code qwen4j bench}: llama-bench's pp/tg numbers, with the memory bandwidth measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure prefill (pp N) and decode (tg M) tokens/s of a text model on random tokens,",
                "and the machine's memory-read bandwidth with the same threads: decode cannot beat",
                "bandwidth / weight bytes per token, and the share of that limit is reported."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE.gguf", description = "A Qwen3-VL (or Qwen3) text model.")
    Path model;

    @Option(names = {"-p", "--prompt"}, defaultValue = "512", description = "Prompt tokens of the prefill test (default: ${DEFAULT-VALUE}).")
    int prompt;

    @Option(names = {"-n", "--gen"}, defaultValue = "128", description = "Decode steps of the generation test (default: ${DEFAULT-VALUE}).")
    int gen;

    @Option(names = {"-t", "--threads"}, description = "Threads (default: available processors).")
    Integer threads;

    @Option(names = {"-r", "--repetitions"}, defaultValue = "1", description = "Prefill runs averaged (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (prompt < 1 || gen < 1 || repetitions < 1) throw new IllegalArgumentException("--prompt, --gen and --repetitions must be positive");
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (GgufFile gguf = GgufFile.open(model); WorkerPool pool = new WorkerPool(n)) {
            Qwen3VlTextModel m = Qwen3VlTextModel.load(gguf, pool);
            ThroughputBenchmark.Result r = ThroughputBenchmark.run(m, pool, gguf.mapping().byteSize(), prompt, gen, repetitions);
            if (json) {
                System.out.println(String.format(Locale.ROOT,
                        "{\"model\":\"%s\",\"file_type\":\"%s\",\"threads\":%d,\"prompt_tokens\":%d,\"gen_tokens\":%d,"
                                + "\"prefill_tokens_per_s\":%.3f,\"decode_tokens_per_s\":%.3f,\"model_bytes\":%d,"
                                + "\"weight_bytes_per_token\":%d,\"bandwidth_gb_s\":%.3f,\"decode_bandwidth_share\":%.4f,"
                                + "\"prefill_core_share\":%.3f,\"decode_core_share\":%.3f}",
                        jsonEscape(model.toString()), jsonEscape(gguf.fileTypeName()), r.threads(), r.promptTokens(),
                        r.generatedTokens(), r.prefillTokensPerS(), r.decodeTokensPerS(), r.modelBytes(),
                        r.weightBytesPerStep(), r.bandwidthGBs(), r.decodeBandwidthShare(), r.prefillCoreShare(),
                        r.decodeCoreShare()));
            } else {
                double limit = r.bandwidthGBs() * 1e9 / r.weightBytesPerStep();
                System.out.printf(Locale.ROOT, "model      %s (%s), %.2f GB, %s, %d threads%n", model, gguf.fileTypeName(),
                        r.modelBytes() / 1e9, m.config(), r.threads());
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
