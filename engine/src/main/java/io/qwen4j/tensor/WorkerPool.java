package io.qwen4j.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of persistent worker threads that run one parallel loop at a time. The calling thread takes
 * part. Workers spin briefly between loops (a decode step runs hundreds of loops, and parking and waking
 * a thread costs more than a small matrix-vector product) and then park. Work is handed out in chunks
 * through one atomic counter, so uneven chunks balance themselves. Not ForkJoin: no task objects, no
 * work stealing, nothing allocated per chunk.
 */
public final class WorkerPool implements AutoCloseable {

    /** The body of a parallel loop: handles indices {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    private static final long SPIN_NANOS = 50_000;

    private final Thread[] workers;
    private final AtomicInteger nextChunk = new AtomicInteger();
    private final AtomicInteger unfinished = new AtomicInteger();
    private volatile int generation;
    private volatile boolean closed;
    private RangeTask task;
    private int total;
    private int chunk;
    private int chunks;
    private volatile Throwable failure;

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads " + threads);
        workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = Thread.ofPlatform().daemon().name("qwen4j-worker-" + (i + 1)).unstarted(this::workerLoop);
            workers[i].start();
        }
    }

    /** Number of threads running a loop, the caller included. */
    public int threads() {
        return workers.length + 1;
    }

    /**
     * Runs {@code task} over {@code [0, n)} in chunks of {@code grain} indices (the last one shorter) and
     * returns when all are done. Not reentrant: one loop at a time, from one thread.
     */
    public void parallelFor(int n, int grain, RangeTask task) {
        if (n <= 0) return;
        if (grain < 1) grain = 1;
        if (workers.length == 0 || n <= grain) {
            task.run(0, n);
            return;
        }
        if (closed) throw new IllegalStateException("worker pool closed");
        this.task = task;
        this.total = n;
        this.chunk = grain;
        this.chunks = (n + grain - 1) / grain;
        this.failure = null;
        nextChunk.set(0);
        unfinished.set(workers.length);
        generation = generation + 1; // publishes the fields above
        for (Thread w : workers) LockSupport.unpark(w);
        runChunks();
        int spins = 0;
        while (unfinished.get() != 0) {
            if (++spins < 10_000) Thread.onSpinWait();
            else Thread.yield();
        }
        this.task = null;
        Throwable f = failure;
        if (f != null) {
            if (f instanceof RuntimeException e) throw e;
            if (f instanceof Error e) throw e;
            throw new RuntimeException(f);
        }
    }

    /** Splits {@code [0, n)} into about four chunks per thread, at least {@code minGrain} each. */
    public int grainFor(int n, int minGrain) {
        return grainFor(n, minGrain, 4);
    }

    /** Splits {@code [0, n)} into about {@code chunksPerThread} chunks per thread, at least {@code minGrain} each. */
    public int grainFor(int n, int minGrain, int chunksPerThread) {
        int parts = threads() * chunksPerThread;
        return Math.max(minGrain, (n + parts - 1) / parts);
    }

    private void runChunks() {
        RangeTask t = task;
        int n = total, g = chunk, c;
        while ((c = nextChunk.getAndIncrement()) < chunks) {
            int start = c * g;
            try {
                t.run(start, Math.min(n, start + g));
            } catch (Throwable e) {
                failure = e;
            }
        }
    }

    private void workerLoop() {
        int seen = 0;
        while (true) {
            long spinStart = System.nanoTime();
            int spins = 0;
            while (generation == seen && !closed) {
                if ((++spins & 63) != 0) {
                    Thread.onSpinWait();
                } else if (System.nanoTime() - spinStart > SPIN_NANOS) {
                    LockSupport.park(this);
                }
            }
            if (closed) return;
            seen = generation;
            runChunks();
            unfinished.decrementAndGet();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
