package io.qwen4j.bench;

import io.qwen4j.grammar.CompiledGrammar;
import io.qwen4j.grammar.JsonSchemaGrammar;
import io.qwen4j.grammar.JsonSchemaOptions;
import io.qwen4j.grammar.TokenConstraint;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * First-time latencies, which JMH's repeated sampling hides: each realistic generation is replayed once on a
 * freshly compiled grammar (so no mask or parser row is computed before), timing every mask, and each schema
 * compile is timed. Prints percentiles. The process is warmed up first by two untimed passes.
 * Run: {@code java --add-modules jdk.incubator.vector -Dqwen4j.testdata=testdata -cp bench/target/benchmarks.jar io.qwen4j.bench.GrammarLatency}.
 */
public final class GrammarLatency {
    private GrammarLatency() {
    }

    public static void main(String[] args) {
        GrammarWorkload w = new GrammarWorkload(Path.of(System.getProperty("qwen4j.testdata", "testdata")));
        System.out.printf("%d schemas compiled, %d generations, %d tokens%n", w.schemas.size(), w.traces.size(),
                w.traces.stream().mapToInt(t -> t.tokens().length).sum());
        for (int pass = 0; pass < 3; pass++) {
            long[] masks = new long[w.traces.stream().mapToInt(t -> t.tokens().length + 1).sum()];
            long[] compiles = new long[w.schemas.size()];
            int n = 0;
            for (int i = 0; i < w.schemas.size(); i++) {
                long t0 = System.nanoTime();
                JsonSchemaGrammar.compile(w.schemas.get(i).text(), JsonSchemaOptions.DEFAULT, w.tokenizer.vocabulary());
                compiles[i] = System.nanoTime() - t0;
            }
            long[] mask = null;
            for (GrammarWorkload.Trace t : w.traces) {
                CompiledGrammar g = JsonSchemaGrammar.compile(t.schema().text(), JsonSchemaOptions.DEFAULT, w.tokenizer.vocabulary());
                TokenConstraint c = g.newConstraint();
                if (mask == null) mask = new long[c.maskWords()];
                for (int id : t.tokens()) {
                    long t0 = System.nanoTime();
                    c.allowedTokens(mask);
                    masks[n++] = System.nanoTime() - t0;
                    c.accept(id);
                }
                long t0 = System.nanoTime();
                c.allowedTokens(mask);
                masks[n++] = System.nanoTime() - t0;
            }
            if (pass < 2) continue;
            report("mask (cold, per token)", Arrays.copyOf(masks, n), 1e3, "µs");
            report("compile (per schema)", compiles, 1e6, "ms");
        }
    }

    private static void report(String what, long[] nanos, double unit, String unitName) {
        Arrays.sort(nanos);
        double sum = 0;
        for (long x : nanos) sum += x;
        System.out.printf("%s: n=%d mean %.1f p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f %s%n", what, nanos.length,
                sum / nanos.length / unit, pct(nanos, 0.5) / unit, pct(nanos, 0.9) / unit, pct(nanos, 0.99) / unit,
                pct(nanos, 0.999) / unit, nanos[nanos.length - 1] / unit, unitName);
    }

    private static double pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }
}
