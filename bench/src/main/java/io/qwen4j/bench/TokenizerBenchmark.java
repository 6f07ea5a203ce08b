package io.qwen4j.bench;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.tokenizer.Qwen3Tokenizer;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Single-thread encoding throughput of {@link Qwen3Tokenizer} over ≥ 1 MB of deterministic mixed-language
 * text (see {@link MixedLanguageText}). Each operation encodes the whole text once; the {@code utf8Bytes}
 * secondary metric is the input rate in bytes/s (divide by 1e6 for MB/s). Three variants:
 * <ul>
 *   <li>{@code encodeWarmCache}: the word cache persists across operations (the server's steady state);</li>
 *   <li>{@code encodeColdCache}: the cache is emptied before every operation, so each pass warms it from
 *       nothing (words repeated within the megabyte still hit);</li>
 *   <li>{@code encodeNoCache}: a tokenizer without a cache: every piece goes through BPE.</li>
 * </ul>
 * Reads {@code <qwen4j.testdata>/tokenizer/corpus.jsonl} and {@code qwen3-vocab.gguf} (default {@code testdata}).
 * Run: {@code ./mvnw -B -q -pl bench -am package -DskipTests && java --add-modules jdk.incubator.vector
 * -Dqwen4j.testdata=testdata -jar bench/target/benchmarks.jar TokenizerBenchmark -f 1 -wi 2 -i 3}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@Threads(1)
@State(Scope.Benchmark)
public class TokenizerBenchmark {

    static final int TEXT_BYTES = 1 << 20;

    private String text;
    private int textBytes;
    private Qwen3Tokenizer cached;
    private Qwen3Tokenizer uncached;

    /** Counts input bytes per operation, reported by JMH as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long utf8Bytes;
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path testdata = Path.of(System.getProperty("qwen4j.testdata", "testdata"));
        text = MixedLanguageText.generate(CorpusTexts.byCategory(testdata.resolve("tokenizer/corpus.jsonl")), TEXT_BYTES, 20260818L);
        textBytes = text.getBytes(StandardCharsets.UTF_8).length;
        try (GgufFile gguf = GgufFile.open(testdata.resolve("tokenizer/qwen3-vocab.gguf"))) {
            cached = Qwen3Tokenizer.fromGguf(gguf);
            uncached = Qwen3Tokenizer.fromMetadata(gguf.metadata(), 0);
        }
        int tokens = cached.encode(text, false).length;
        Set<String> words = new HashSet<>(java.util.Arrays.asList(text.split("\\s+")));
        System.err.printf("%ntext: %d chars, %d UTF-8 bytes, %d tokens, %d distinct whitespace-separated words%n",
                text.length(), textBytes, tokens, words.size());
    }

    @Benchmark
    public int[] encodeWarmCache(Bytes bytes) {
        bytes.utf8Bytes += textBytes;
        return cached.encode(text, false);
    }

    @Benchmark
    public int[] encodeColdCache(Bytes bytes) {
        cached.clearWordCache(); // nulls 2^17 slots: ~0.1 ms against a ~40 ms operation
        bytes.utf8Bytes += textBytes;
        return cached.encode(text, false);
    }

    @Benchmark
    public int[] encodeNoCache(Bytes bytes) {
        bytes.utf8Bytes += textBytes;
        return uncached.encode(text, false);
    }
}
