package io.qwen4j.bench;

import io.qwen4j.gguf.GgmlType;
import io.qwen4j.tensor.Lanes;
import io.qwen4j.tensor.MatVec;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Decode kernels, one thread: one 8192 × 2048 matrix (Qwen3-VL-2B's gate/up shape) times one activation
 * vector. Several copies of the matrix are cycled so that the working set (≥ 160 MB) is far beyond the
 * 32 MB L3: every product streams its weights from DRAM, as in a real decode step. The {@code gbytes}
 * counter is the weight bytes read per second, i.e. GB/s per thread.
 *
 * <p>{@code kernel=baseline} runs the dot loops as they were before the kernel work
 * ({@link BaselineDecodeKernels}), {@code current} runs {@link MatVec}; {@code type=STREAM} is a plain
 * vector sum over the same bytes, the per-thread memory ceiling. Compare rows of one run only.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar DecodeKernel -f 1 -wi 3 -i 5</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DecodeKernelBenchmark {

    static final int ROWS = 8192, COLS = 2048;
    static final long WORKING_SET = 160L << 20;

    @Param({"Q4_0", "Q8_0", "F16", "Q6_K", "Q4_K", "STREAM"})
    public String type;

    @Param({"current", "baseline"})
    public String kernel;

    private Arena arena;
    private MemorySegment[] copies;
    private MatVec[] matrices;
    private long matrixBytes;
    private int next;
    private final float[] x = new float[COLS];
    private final float[] out = new float[ROWS];

    /** Weight bytes streamed, reported per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Traffic {
        public double gbytes;

        @Setup(Level.Iteration)
        public void reset() {
            gbytes = 0;
        }
    }

    @Setup
    public void setUp() {
        GgmlType t = type.equals("STREAM") ? GgmlType.Q4_0 : GgmlType.valueOf(type);
        matrixBytes = t.byteSize(COLS) * ROWS;
        int n = (int) Math.max(2, (WORKING_SET + matrixBytes - 1) / matrixBytes);
        arena = Arena.ofShared();
        copies = new MemorySegment[n];
        matrices = new MatVec[n];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < n; i++) {
            copies[i] = arena.allocate(matrixBytes, 64);
            fillRandomBlocks(t, copies[i], rnd);
            matrices[i] = MatVec.of(t, copies[i], ROWS, COLS);
        }
        for (int i = 0; i < COLS; i++) x[i] = (float) rnd.nextDouble(-1, 1);
        if (!type.equals("STREAM")) checkAgainstBaseline();
    }

    /** Fails the run when the kernel under test disagrees with the baseline loops on the first copy. */
    private void checkAgainstBaseline() {
        float[] ref = new float[ROWS];
        BaselineDecodeKernels.multiply(type, copies[0], ROWS, COLS, x, ref);
        next = 0;
        decode(new Traffic());
        next = 0;
        double worst = 0;
        for (int r = 0; r < ROWS; r++) worst = Math.max(worst, Math.abs(out[r] - ref[r]) / (1e-3 + Math.abs(ref[r])));
        if (worst > 1e-3) throw new IllegalStateException(kernel + " " + type + " differs from the baseline: " + worst);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float decode(Traffic traffic) {
        int i = next;
        next = (i + 1) % copies.length;
        traffic.gbytes += matrixBytes * 1e-9;
        if (type.equals("STREAM")) return sum(copies[i]);
        if (kernel.equals("baseline")) BaselineDecodeKernels.multiply(type, copies[i], ROWS, COLS, x, out);
        else matrices[i].multiplyRows(x, 1, out, 0, ROWS);
        return out[ROWS - 1];
    }

    /** Random block bytes whose f16 fields are small finite halves (random bits would give inf/NaN scales). */
    static void fillRandomBlocks(GgmlType t, MemorySegment m, SplittableRandom rnd) {
        for (long o = 0; o + 8 <= m.byteSize(); o += 8) m.set(ValueLayout.JAVA_LONG_UNALIGNED, o, rnd.nextLong());
        int[] halves = switch (t) {
            case Q4_0, Q8_0 -> new int[] {0};
            case Q4_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            case F16, F32 -> null;
            default -> throw new IllegalArgumentException(t.toString());
        };
        ValueLayout.OfShort h = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        if (halves == null) {
            for (long o = 0; o < m.byteSize(); o += 2) m.set(h, o, Float.floatToFloat16((float) rnd.nextDouble(-1, 1)));
            return;
        }
        for (long b = 0; b < m.byteSize(); b += t.typeSize) {
            for (int at : halves) m.set(h, b + at, Float.floatToFloat16((float) rnd.nextDouble(0.001, 0.01)));
        }
    }

    static float sum(MemorySegment m) {
        int step = Lanes.L * 4;
        FloatVector a0 = FloatVector.zero(Lanes.F), a1 = a0, a2 = a0, a3 = a0;
        for (long o = 0, end = m.byteSize() - 4L * step + 1; o < end; o += 4L * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(Lanes.F, m, o, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(Lanes.F, m, o + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(Lanes.F, m, o + 2L * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(Lanes.F, m, o + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
}
