package io.qwen4j.bench;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.HugePages;
import io.qwen4j.kv.KvSequence;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.ModelArchitectures;
import io.qwen4j.model.SequenceChunk;
import io.qwen4j.model.TextModel;
import io.qwen4j.tensor.WorkerPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Decode of one model file with its weights behind different pages, A/B'd in one JVM: {@code mmap} (the file
 * mapping, 4 KiB page-cache pages), {@code huge} (a copy in 2 MiB pages, {@link HugePages}) and {@code anon} (a
 * copy in malloc'd 4 KiB pages). Each round times {@code steps} decode steps of every variant in turn.
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
 *     io.qwen4j.bench.ModelLoadAB FILE.gguf [variants=mmap,huge] [steps=16] [rounds=5] [threads=all]</pre>
 */
public final class ModelLoadAB {

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        String[] variants = (args.length > 1 ? args[1] : "mmap,huge").split(",");
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : Runtime.getRuntime().availableProcessors();
        SplittableRandom random = new SplittableRandom(1);
        try (GgufFile mapped = GgufFile.open(path); Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(threads)) {
            MemorySegment file = mapped.mapping();
            List<TextModel> models = new ArrayList<>();
            for (String v : variants) {
                GgufFile g = switch (v) {
                    // The same mapping seen as a plain native segment: every variant's weights are then of one
                    // MemorySegment class, so that the kernels' type profiles are not polluted between variants.
                    case "mmap" -> GgufFile.parse(MemorySegment.ofAddress(file.address()).reinterpret(file.byteSize()));
                    case "huge" -> {
                        long before = HugePages.anonHugePagesBytes();
                        MemorySegment s = HugePages.allocate(file.byteSize(), arena);
                        MemorySegment.copy(file, 0, s, 0, file.byteSize());
                        System.out.printf("huge: AnonHugePages grew by %d MB of %d MB%n", (HugePages.anonHugePagesBytes() - before) >> 20, file.byteSize() >> 20);
                        yield GgufFile.parse(s);
                    }
                    case "anon" -> {
                        MemorySegment s = arena.allocate(file.byteSize(), 64);
                        MemorySegment.copy(file, 0, s, 0, file.byteSize());
                        yield GgufFile.parse(s);
                    }
                    default -> throw new IllegalArgumentException("variant " + v + ": mmap, huge or anon");
                };
                models.add(ModelArchitectures.BUILT_IN.of(g).load(g, pool));
            }
            int vocab = models.get(0).shape().vocab();
            double[][] rates = new double[variants.length][rounds], shares = new double[variants.length][rounds];
            for (int round = -1; round < rounds; round++) {
                for (int k = 0; k < variants.length; k++) {
                    TextModel m = models.get(k);
                    try (PagedKvCache cache = m.newKvCache(steps + 64, PagedKvCache.Storage.F16)) {
                        KvSequence seq = cache.newSequence();
                        m.step(cache, List.of(SequenceChunk.text(seq, new int[] {random.nextInt(vocab)}, 0)));
                        long t0 = System.nanoTime(), c0 = cpu();
                        for (int i = 0; i < steps; i++) {
                            m.step(cache, List.of(SequenceChunk.text(seq, new int[] {random.nextInt(vocab)}, seq.length())));
                        }
                        long wall = System.nanoTime() - t0;
                        double rate = steps / (wall * 1e-9);
                        if (round >= 0) {
                            rates[k][round] = rate;
                            shares[k][round] = (cpu() - c0) / (double) wall / threads;
                        }
                    }
                }
            }
            for (int k = 0; k < variants.length; k++) {
                double[] r = rates[k].clone();
                Arrays.sort(r);
                System.out.printf("%-5s tg%d best %6.2f  med %6.2f tok/s  (rounds: %s; core share %s)%n", variants[k], steps, r[r.length - 1], r[r.length / 2],
                        Arrays.toString(Arrays.stream(rates[k]).map(x -> Math.round(x * 100) / 100.0).toArray()),
                        Arrays.toString(Arrays.stream(shares[k]).map(x -> Math.round(x * 100) / 100.0).toArray()));
            }
        }
    }
}
