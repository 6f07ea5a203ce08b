package io.qwen4j.bench;

import io.qwen4j.grammar.CompiledGrammar;
import io.qwen4j.grammar.JsonSchemaGrammar;
import io.qwen4j.grammar.JsonSchemaOptions;
import io.qwen4j.grammar.TokenConstraint;
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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Structured-output constraint costs with the real Qwen3 vocabulary (151,936 tokens):
 * <ul>
 *   <li>{@code mask}: one token mask, sampled over every step of realistic generations (the fixtures' valid
 *   instances as Qwen writes them) of every fixture schema that compiles. A step is the mask followed by
 *   accepting the token, as the sampler does; a generation that ends restarts from a fresh constraint of the
 *   same compiled grammar (as when a server sees the same schema again). Percentiles come from
 *   {@code Mode.SampleTime}.</li>
 *   <li>{@code compile}: compiling one schema (round robin over the fixture schemas), uncached.</li>
 * </ul>
 * Run: {@code java --add-modules jdk.incubator.vector -Dqwen4j.testdata=testdata -jar bench/target/benchmarks.jar GrammarBenchmark}.
 * For first-time (cold) per-mask latencies see {@link GrammarLatency}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GrammarBenchmark {
    private GrammarWorkload workload;
    private List<CompiledGrammar> grammars;
    private long[] mask;
    private int trace;
    private int step;
    private TokenConstraint constraint;
    private int schemaIndex;

    @Setup(Level.Trial)
    public void setUp() {
        workload = new GrammarWorkload(Path.of(System.getProperty("qwen4j.testdata", "testdata")));
        grammars = new ArrayList<>();
        for (GrammarWorkload.Trace t : workload.traces) {
            grammars.add(JsonSchemaGrammar.compile(t.schema().text(), JsonSchemaOptions.DEFAULT, workload.tokenizer.vocabulary()));
        }
        mask = new long[grammars.getFirst().maskWords()];
        constraint = grammars.getFirst().newConstraint();
    }

    @Benchmark
    public long mask() {
        int[] tokens = workload.traces.get(trace).tokens();
        if (step == tokens.length) {
            trace = (trace + 1) % workload.traces.size();
            step = 0;
            constraint = grammars.get(trace).newConstraint();
            tokens = workload.traces.get(trace).tokens();
        }
        constraint.allowedTokens(mask);
        constraint.accept(tokens[step++]);
        return mask[0];
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public CompiledGrammar compile() {
        GrammarWorkload.Schema s = workload.schemas.get(schemaIndex);
        schemaIndex = (schemaIndex + 1) % workload.schemas.size();
        return JsonSchemaGrammar.compile(s.text(), JsonSchemaOptions.DEFAULT, workload.tokenizer.vocabulary());
    }
}
