package io.qwen4j.engine;

import io.qwen4j.kv.BlockKeyChain;
import io.qwen4j.kv.KvSequence;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.ModelStep;
import io.qwen4j.model.SequenceChunk;
import io.qwen4j.model.TextModel;
import io.qwen4j.tensor.MatVec;
import io.qwen4j.tokenizer.Qwen3Tokenizer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching on one thread. Every iteration:
 * <ol>
 *   <li>drops cancelled sequences (their KV blocks go back to the pool at once);</li>
 *   <li>admits waiting sequences, first come first served, while fewer than {@code parallel} run and the KV
 *       pool can hold their prompt and {@code max_tokens} (reserved up front, so a running sequence never
 *       runs out of cache); with prefix caching, a sequence starts on the cached blocks of the longest prefix
 *       of its prompt an earlier sequence computed, and its prefill begins after them;</li>
 *   <li>builds one batch: one decode token per sequence that has finished its prompt, then prompt chunks
 *       with the rest of the step's token budget;</li>
 *   <li>runs one {@link ModelStep} over it, seals the blocks it filled (prompt and generated tokens alike) for
 *       reuse, then hands each sequence's logits to its {@link SequenceOutput} (sampling, text, stop strings,
 *       the token reported) and retires the sequences that ended.</li>
 * </ol>
 *
 * <p>Reserving whole sequences stays safe with shared blocks: a block held by several sequences counts in each
 * one's reservation but takes one block of the pool, and cached blocks nobody holds are evicted on demand.
 */
public final class Scheduler implements Engine {
    private static final System.Logger log = System.getLogger(Scheduler.class.getName());
    /**
     * The fewest prompt tokens computed when the rest comes from the prefix cache. A step of at most
     * {@link MatVec#FUSED_MAX_TOKENS} rows runs the decode kernels, whose sums differ in the last bits from the prefill
     * kernels': a shorter uncached tail would make a cached prompt's logprobs differ from a computed one's, and a
     * seed's sampling could then take another path. With this, a request alone gets the same bits either way.
     */
    static final int MIN_COMPUTED_PROMPT_TOKENS = MatVec.FUSED_MAX_TOKENS + 1;

    private final ModelStep model;
    private final PagedKvCache cache;
    private final Qwen3Tokenizer tokenizer;
    private final int vocab;
    private final EngineConfig config;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>(); // guarded by lock
    private final List<Sequence> running = new ArrayList<>(); // scheduler thread only
    private final Thread thread;
    private final AtomicLong steps = new AtomicLong();
    private volatile int runningCount;
    private final int poolBlocks; // the cache's blocks: what admission may reserve
    private int reservedBlocks; // scheduler thread only
    private volatile boolean closed;

    public Scheduler(ModelStep model, PagedKvCache cache, Qwen3Tokenizer tokenizer, int vocab, EngineConfig config) {
        this.model = model;
        this.cache = cache;
        this.tokenizer = tokenizer;
        this.vocab = vocab;
        this.config = config;
        // The pool rounds parallel × context up to whole blocks once, each sequence reserves whole blocks: the
        // pool may hold fewer than parallel × blocksFor(context), and reserving beyond it would fail a step.
        this.poolBlocks = cache.blocks();
        this.thread = Thread.ofPlatform().name("qwen4j-scheduler").daemon().start(this::loop);
    }

    /** A scheduler over {@code model}, its logits covering the model's vocabulary. */
    public Scheduler(TextModel model, PagedKvCache cache, Qwen3Tokenizer tokenizer, EngineConfig config) {
        this(model, cache, tokenizer, model.shape().vocab(), config);
    }

    @Override
    public int contextSize() {
        return config.contextSize();
    }

    public EngineConfig config() {
        return config;
    }

    /** Sequences in the batch now. */
    public int running() {
        return runningCount;
    }

    public int waiting() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** KV blocks no sequence holds: empty, or cached for prefix reuse (evicted when needed). */
    public int freeKvBlocks() {
        return cache.freeBlocks();
    }

    /** Of the free KV blocks, those that keep a prefix for reuse. */
    public int cachedKvBlocks() {
        return cache.cachedBlocks();
    }

    /** Model steps run so far. */
    public long steps() {
        return steps.get();
    }

    @Override
    public List<Handle> submitAll(List<GenerationRequest> requests, List<TokenListener> listeners) {
        if (requests.size() != listeners.size()) throw new IllegalArgumentException("one listener per request");
        List<Sequence> seqs = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            GenerationRequest r = requests.get(i);
            if (r.prompt().length + r.maxTokens() > config.contextSize()) {
                throw new IllegalArgumentException("prompt (" + r.prompt().length + ") + max tokens (" + r.maxTokens()
                        + ") exceed the context size " + config.contextSize());
            }
            for (int id : r.prompt()) {
                if (id < 0 || id >= vocab) throw new IllegalArgumentException("token id " + id + " outside the vocabulary (" + vocab + ")");
            }
            seqs.add(new Sequence(r, listeners.get(i)));
        }
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("engine closed");
            // A request that can start at once is never refused; beyond the free slots, the queue bound applies.
            int freeSlots = Math.max(0, config.parallel() - runningCount);
            if (waiting.size() + seqs.size() > config.maxQueued() + freeSlots) {
                throw new EngineOverloadedException("the server is overloaded: " + config.parallel() + " sequences running and "
                        + waiting.size() + " waiting (at most " + config.maxQueued() + " may wait)", 1);
            }
            waiting.addAll(seqs);
            wake.signal();
        } finally {
            lock.unlock();
        }
        return List.copyOf(seqs);
    }

    private void loop() {
        while (!closed) {
            try {
                reapCancelled();
                admit();
                if (running.isEmpty()) {
                    lock.lock();
                    try {
                        while (!closed && waiting.isEmpty()) wake.await();
                    } finally {
                        lock.unlock();
                    }
                    continue;
                }
                step();
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                log.log(System.Logger.Level.ERROR, "scheduler iteration failed", e);
                for (Sequence s : List.copyOf(running)) fail(s, e instanceof RuntimeException re ? re : new IllegalStateException(e));
            }
        }
        lock.lock();
        try {
            for (Sequence s : waiting) s.listener.onError(new IllegalStateException("the engine is shutting down"));
            waiting.clear();
        } finally {
            lock.unlock();
        }
        for (Sequence s : List.copyOf(running)) fail(s, new IllegalStateException("the engine is shutting down"));
    }

    private void reapCancelled() {
        for (Iterator<Sequence> it = running.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (s.cancelled) {
                it.remove();
                runningCount = running.size();
                release(s); // blocks back in the pool before the listener hears of the end
                s.finish(new Completion(new FinishReason.Cancelled(), "", s.request.prompt().length, s.cachedTokens, s.output.generated()));
            }
        }
    }

    private void admit() {
        lock.lock();
        try {
            for (Iterator<Sequence> it = waiting.iterator(); it.hasNext(); ) {
                Sequence s = it.next();
                if (s.cancelled) {
                    it.remove();
                    s.finish(new Completion(new FinishReason.Cancelled(), "", s.request.prompt().length, 0, 0));
                }
            }
            while (!waiting.isEmpty() && running.size() < config.parallel()) {
                Sequence s = waiting.peekFirst();
                int need = blocksFor(s.request.prompt().length + s.request.maxTokens());
                if (reservedBlocks + need > poolBlocks) break; // first come, first served: nobody overtakes
                waiting.pollFirst();
                reservedBlocks += need;
                s.reservedBlocks = need;
                s.kv = cache.newSequence();
                if (s.blockKeys != null) reusePrefix(s);
                running.add(s);
            }
            runningCount = running.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts the sequence on the cached blocks of its prompt's longest cached prefix of full blocks, leaving at least
     * {@link #MIN_COMPUTED_PROMPT_TOKENS} to compute (the last one's logits give the first token).
     */
    private void reusePrefix(Sequence s) {
        int reusable = Math.max(0, s.request.prompt().length - MIN_COMPUTED_PROMPT_TOKENS) / cache.blockSize();
        int blocks = cache.reusePrefix(s.kv, s.blockKeys.keys().subList(0, reusable));
        s.prefilledTokens = s.cachedTokens = blocks * cache.blockSize();
        s.position = s.prefilledTokens; // a text prompt's positions are its indices; an image layout has its own
    }

    private int blocksFor(int tokens) {
        return (tokens + cache.blockSize() - 1) / cache.blockSize();
    }

    private void step() {
        List<SequenceChunk> chunks = new ArrayList<>();
        List<Sequence> owners = new ArrayList<>();
        int budget = config.stepTokenBudget();
        for (Sequence s : running) {
            if (!s.prefilled()) continue;
            chunks.add(SequenceChunk.text(s.kv, new int[] {s.output.lastToken()}, s.position).logits(SequenceChunk.Logits.LAST));
            owners.add(s);
            budget--;
        }
        boolean prefillAdvanced = false;
        for (Sequence s : running) {
            if (s.prefilled()) continue;
            // The oldest prompt advances every step, even when decode tokens alone use up the budget: never starved.
            if (budget <= 0 && prefillAdvanced) break;
            prefillAdvanced = true;
            int[] prompt = s.request.prompt();
            int n = Math.min(prompt.length - s.prefilledTokens, Math.max(budget, 1));
            boolean last = s.prefilledTokens + n == prompt.length;
            // An image prompt's rows carry their embeddings, deepstack vectors and (t, h, w) positions, whatever
            // the cut; a text prompt's positions are its indices.
            SequenceChunk chunk = s.request.layout() != null
                    ? s.request.layout().chunk(s.kv, s.prefilledTokens, s.prefilledTokens + n)
                    : SequenceChunk.text(s.kv, java.util.Arrays.copyOfRange(prompt, s.prefilledTokens, s.prefilledTokens + n), s.position);
            chunks.add(chunk.logits(last ? SequenceChunk.Logits.LAST : SequenceChunk.Logits.NONE));
            owners.add(s);
            budget -= n;
        }
        ModelStep.StepOutput out;
        try {
            out = model.step(cache, chunks);
        } catch (RuntimeException e) {
            log.log(System.Logger.Level.ERROR, "model step failed", e);
            for (Sequence s : owners) fail(s, e);
            return;
        }
        steps.incrementAndGet();
        for (int i = 0; i < chunks.size(); i++) {
            Sequence s = owners.get(i);
            int n = chunks.get(i).size();
            if (s.prefilled()) {
                if (s.blockKeys != null) s.blockKeys.text(s.output.lastToken(), s.position);
                s.position += n;
            } else {
                s.prefilledTokens += n;
                // After an image the positions run behind the row count (HF's rope delta): decoding goes on from
                // the layout's next position.
                s.position = s.prefilled() ? s.request.firstGeneratedPosition() : s.position + n;
            }
            if (s.blockKeys != null) cache.seal(s.kv, s.blockKeys.keys()); // before a last token releases the blocks
            float[] logits = out.logits(i);
            if (logits == null || s.cancelled) continue;
            if (logits.length != vocab) logits = java.util.Arrays.copyOf(logits, vocab);
            FinishReason end = s.output.accept(logits);
            if (end != null) {
                running.remove(s);
                runningCount = running.size();
                release(s);
                s.finish(new Completion(end, s.output.tail(end), s.request.prompt().length, s.cachedTokens, s.output.generated()));
            }
        }
        runningCount = running.size();
    }

    private void release(Sequence s) {
        if (s.kv != null) {
            cache.release(s.kv);
            s.kv = null;
        }
        reservedBlocks -= s.reservedBlocks;
        s.reservedBlocks = 0;
    }

    private void fail(Sequence s, RuntimeException e) {
        running.remove(s);
        runningCount = running.size();
        release(s);
        if (!s.done) {
            s.done = true;
            s.listener.onError(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One sequence's state; touched by the scheduler thread only, except {@link #cancel()}. */
    private final class Sequence implements Handle {
        final GenerationRequest request;
        final TokenListener listener;
        final SequenceOutput output;
        /** The content addresses of the sequence's blocks (prompt, then generated tokens); null without prefix caching. */
        final BlockKeyChain blockKeys;
        KvSequence kv;
        int reservedBlocks;
        int cachedTokens;
        int prefilledTokens;
        int position;
        volatile boolean cancelled;
        volatile boolean done;

        Sequence(GenerationRequest request, TokenListener listener) {
            this.request = request;
            this.listener = listener;
            this.output = new SequenceOutput(request, listener, tokenizer, vocab);
            // Hashed on the submitting thread: the scheduler only looks the keys up.
            this.blockKeys = config.prefixCaching() ? new BlockKeyChain(cache.blockSize()) : null;
            if (blockKeys == null) return;
            if (request.layout() != null) {
                request.layout().addRows(blockKeys);
            } else {
                for (int i = 0; i < request.prompt().length; i++) blockKeys.text(request.prompt()[i], i);
            }
        }

        boolean prefilled() {
            return prefilledTokens == request.prompt().length;
        }

        @Override
        public void cancel() {
            if (done || cancelled) return;
            cancelled = true;
            lock.lock();
            try {
                wake.signal();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean isDone() {
            return done;
        }

        void finish(Completion c) {
            if (done) return;
            done = true;
            listener.onFinish(c);
        }
    }
}
