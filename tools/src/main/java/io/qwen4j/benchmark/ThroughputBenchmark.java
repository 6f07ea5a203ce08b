package io.qwen4j.benchmark;

import io.qwen4j.gguf.HugePages;
import io.qwen4j.kv.KvSequence;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.TextModel;
import io.qwen4j.model.SequenceChunk;
import io.qwen4j.tensor.Lanes;
import io.qwen4j.tensor.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;

/**
 * llama-bench's two numbers for a text model — pp N (one prefill of N tokens) and tg M (M decode steps
 * after a one-token prompt) — plus the machine's memory-read bandwidth measured in the same run with the
 * same threads, which bounds decode: tokens/s ≤ bandwidth ÷ weight bytes read per step.
 */
public final class ThroughputBenchmark {

    /**
     * @param weightBytesPerStep bytes of weights one decode step streams (all layer matrices + output)
     * @param decodeBandwidthShare decode tokens/s × weight bytes per step ÷ bandwidth
     * @param prefillCoreShare process CPU time during prefill ÷ (wall time × threads): below 1 when the machine is
     *                         shared and the threads did not get their cores (tokens/s ÷ this = rate per core-second had)
     * @param decodeCoreShare the same during decode
     */
    public record Result(int promptTokens, int generatedTokens, int threads, double prefillTokensPerS,
                         double decodeTokensPerS, long modelBytes, long weightBytesPerStep, double bandwidthGBs,
                         double decodeBandwidthShare, double prefillCoreShare, double decodeCoreShare) {
    }

    /** CPU time of the whole process (all threads) in ns, or -1 where the platform does not tell. */
    private static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private ThroughputBenchmark() {
    }

    /**
     * Runs pp {@code promptTokens} {@code repetitions} times and tg {@code generatedTokens} once (after a
     * warm-up of both), on random token ids; reports the mean prefill rate and the decode rate.
     */
    public static Result run(TextModel model, WorkerPool pool, long modelBytes, int promptTokens,
                             int generatedTokens, int repetitions) {
        SplittableRandom random = new SplittableRandom(1234);
        int vocab = model.shape().vocab();
        try (PagedKvCache cache = model.newKvCache(Math.max(promptTokens, generatedTokens + 1) + 64, PagedKvCache.Storage.F16)) {
            // Warm-up: compile the prefill and decode paths before timing either.
            KvSequence warm = cache.newSequence();
            model.step(cache, List.of(SequenceChunk.text(warm, random.ints(Math.min(promptTokens, 64), 0, vocab).toArray(), 0)));
            for (int i = 0; i < 16; i++) {
                model.step(cache, List.of(SequenceChunk.text(warm, new int[] {random.nextInt(vocab)}, warm.length())));
            }
            cache.release(warm);

            long prefillNanos = 0, prefillCpu0 = processCpuNanos();
            for (int r = 0; r < repetitions; r++) {
                KvSequence seq = cache.newSequence();
                int[] prompt = random.ints(promptTokens, 0, vocab).toArray();
                long t0 = System.nanoTime();
                model.step(cache, List.of(SequenceChunk.text(seq, prompt, 0)));
                prefillNanos += System.nanoTime() - t0;
                cache.release(seq);
            }
            double prefill = promptTokens * repetitions / (prefillNanos * 1e-9);
            double prefillShare = (processCpuNanos() - prefillCpu0) / ((double) prefillNanos * pool.threads());

            KvSequence seq = cache.newSequence();
            model.step(cache, List.of(SequenceChunk.text(seq, new int[] {random.nextInt(vocab)}, 0)));
            int[] token = new int[1];
            long t0 = System.nanoTime(), decodeCpu0 = processCpuNanos();
            for (int i = 0; i < generatedTokens; i++) {
                token[0] = random.nextInt(vocab);
                model.step(cache, List.of(SequenceChunk.text(seq, token.clone(), seq.length())));
            }
            long decodeNanos = System.nanoTime() - t0;
            double decodeShare = (processCpuNanos() - decodeCpu0) / ((double) decodeNanos * pool.threads());
            double decode = generatedTokens / (decodeNanos * 1e-9);
            cache.release(seq);

            double bandwidth = measureBandwidth(pool, 1L << 30);
            long perStep = model.weightBytesPerStep();
            return new Result(promptTokens, generatedTokens, pool.threads(), prefill, decode, modelBytes, perStep,
                    bandwidth, decode * perStep / (bandwidth * 1e9), prefillShare, decodeShare);
        }
    }

    /**
     * Memory-read bandwidth in GB/s: the best of a few passes of summing a {@code bytes}-long off-heap
     * buffer (≫ the caches) on all of the pool's threads, each thread streaming its own contiguous chunks.
     * The buffer is in 2 MiB huge pages where the machine gives them (as the weights are by default): over
     * malloc'd 4 KiB pages the same reads measured ~20-35 % slower, which would understate the limit.
     */
    public static double measureBandwidth(WorkerPool pool, long bytes) {
        final int chunk = 1 << 20;
        int chunks = (int) (bytes / chunk);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment huge = HugePages.allocate((long) chunks * chunk, arena);
            MemorySegment buffer = huge != null ? huge : arena.allocate((long) chunks * chunk, 4096);
            pool.parallelFor(chunks, 1, (c0, c1) -> buffer.asSlice((long) c0 * chunk, (long) (c1 - c0) * chunk).fill((byte) 1));
            float[] sink = new float[chunks];
            double best = 0;
            for (int pass = 0; pass < 5; pass++) {
                long t0 = System.nanoTime();
                pool.parallelFor(chunks, 4, (c0, c1) -> {
                    for (int c = c0; c < c1; c++) sink[c] = sum(buffer, (long) c * chunk, chunk);
                });
                long nanos = System.nanoTime() - t0;
                best = Math.max(best, (double) chunks * chunk / nanos);
            }
            return best;
        }
    }

    /** Σ of the floats in {@code [offset, offset + length)}, four independent accumulators to keep loads in flight. */
    private static float sum(MemorySegment m, long offset, long length) {
        int step = Lanes.L * 4;
        FloatVector a0 = FloatVector.zero(Lanes.F), a1 = a0, a2 = a0, a3 = a0;
        for (long o = offset, end = offset + length; o < end; o += 4L * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(Lanes.F, m, o, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(Lanes.F, m, o + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(Lanes.F, m, o + 2L * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(Lanes.F, m, o + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
}
