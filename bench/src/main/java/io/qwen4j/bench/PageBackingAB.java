package io.qwen4j.bench;

import io.qwen4j.gguf.GgmlType;
import io.qwen4j.gguf.HugePages;
import io.qwen4j.tensor.MatVec;
import io.qwen4j.tensor.WorkerPool;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The same weight bytes behind three kinds of pages, A/B'd in one JVM: {@code file} (a read-only mapping of a
 * file in the page cache, how GGUF weights are read in place: 4 KiB pages), {@code anon} (Arena.allocate:
 * malloc'd, 4 KiB pages with THP in madvise mode) and {@code huge} ({@link HugePages}: 2 MiB pages). Each
 * round runs the decode kernel of every backing and a plain read for ~{@code ms} ms, interleaved, over a
 * DRAM-sized set of 8192 × 2048 matrices, on {@code threads} threads (the model's decode path:
 * {@link MatVec#multiply} on a {@link WorkerPool}). Prints best and median GB/s.
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
 *     io.qwen4j.bench.PageBackingAB [types=Q8_0,Q4_0,F16] [threads=1] [rounds=7] [ms=400] [backings=file,anon,huge]</pre>
 */
public final class PageBackingAB {

    public static void main(String[] args) throws IOException {
        String[] types = (args.length > 0 ? args[0] : "Q8_0,Q4_0,F16").split(",");
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        int ms = args.length > 3 ? Integer.parseInt(args[3]) : 400;
        String[] backings = (args.length > 4 ? args[4] : "file,anon,huge").split(",");
        int rows = DecodeKernelBenchmark.ROWS, cols = DecodeKernelBenchmark.COLS;
        float[] x = new float[cols], out = new float[rows];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < cols; i++) x[i] = (float) rnd.nextDouble(-1, 1);
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (String type : types) {
                GgmlType t = GgmlType.valueOf(type);
                long bytes = t.byteSize(cols) * rows;
                int n = (int) Math.max(2, (2 * DecodeKernelBenchmark.WORKING_SET + bytes - 1) / bytes);
                long total = n * bytes;
                Path file = Files.createTempFile("qwen4j-pages", ".bin");
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment anon = arena.allocate(total, 64);
                    DecodeKernelBenchmark.fillRandomBlocks(t, anon, rnd);
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                        ch.write(anon.asByteBuffer());
                    }
                    MemorySegment mapped;
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                        mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, total, arena);
                    }
                    long hugeBefore = HugePages.anonHugePagesBytes();
                    MemorySegment huge = HugePages.allocate(total, arena);
                    if (huge == null) throw new IllegalStateException("no huge-page memory here");
                    MemorySegment.copy(anon, 0, huge, 0, total);
                    System.out.printf("%s: %d MB per backing; AnonHugePages grew by %d MB%n", type, total >> 20,
                            (HugePages.anonHugePagesBytes() - hugeBefore) >> 20);
                    List<String> names = new ArrayList<>();
                    List<MatVec[]> sets = new ArrayList<>();
                    List<MemorySegment> segs = new ArrayList<>();
                    for (String b : backings) {
                        MemorySegment s = switch (b) {
                            case "file" -> mapped;
                            case "anon" -> anon;
                            case "huge" -> huge;
                            default -> throw new IllegalArgumentException("backing " + b);
                        };
                        MatVec[] m = new MatVec[n];
                        for (int i = 0; i < n; i++) m[i] = MatVec.of(t, s.asSlice(i * bytes, bytes), rows, cols);
                        names.add(b + " kernel");
                        sets.add(m);
                        segs.add(s);
                        names.add(b + " read");
                        sets.add(null);
                        segs.add(s);
                    }
                    double[][] rates = new double[names.size()][rounds];
                    for (int round = -2; round < rounds; round++) {
                        for (int k = 0; k < names.size(); k++) {
                            MatVec[] m = sets.get(k);
                            MemorySegment s = segs.get(k);
                            long t0 = System.nanoTime(), done = 0;
                            int i = 0;
                            while (System.nanoTime() - t0 < ms * 1_000_000L) {
                                if (m != null) {
                                    m[i].multiply(x, 1, out, pool);
                                } else {
                                    MemorySegment mat = s.asSlice(i * bytes, bytes);
                                    long chunk = bytes / 64;
                                    pool.parallelFor(64, 4, (c0, c1) -> out[c0] = DecodeKernelBenchmark.sum(mat.asSlice(c0 * chunk, (c1 - c0) * chunk)));
                                }
                                i = (i + 1) % n;
                                done++;
                            }
                            if (round >= 0) rates[k][round] = done * bytes / (double) (System.nanoTime() - t0);
                        }
                    }
                    for (int k = 0; k < names.size(); k++) {
                        double[] r = rates[k].clone();
                        Arrays.sort(r);
                        System.out.printf("  %-12s best %6.2f  med %6.2f GB/s (%d threads)%n", names.get(k), r[r.length - 1], r[r.length / 2], threads);
                    }
                } finally {
                    Files.deleteIfExists(file);
                }
            }
        }
    }
}
