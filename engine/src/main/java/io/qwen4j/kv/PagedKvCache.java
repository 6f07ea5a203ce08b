package io.qwen4j.kv;

import io.qwen4j.tensor.HalfFloat;
import io.qwen4j.tensor.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keys and values of all layers for many sequences, in fixed-size blocks of {@code blockSize} tokens taken
 * from one shared pool (off-heap, so the size is not limited by Java arrays). Within a block the layout is
 * {@code [kvHead][slot][headDim]}, so one head's keys of a block are contiguous for attention.
 *
 * <p>Prefix caching: a full block can be sealed under its content address ({@link BlockKey}, see
 * {@link #seal}); a sequence that starts with the same content then holds that block instead of computing it
 * again ({@link #reusePrefix}). Blocks count their holders. A sealed block nobody holds stays cached, on an LRU
 * list, until the pool needs it: allocation takes empty blocks first, then evicts the least recently used
 * cached block. Held blocks are never evicted. A sequence only appends, and only full blocks are shared, so a
 * shared block is never written again. The pool itself is the budget of the cache: cached blocks live in the
 * room running sequences do not use.
 *
 * <p>Storage is F32, F16 or BF16; values are converted on write and read back as floats. Attention runs
 * here, next to the storage, as an online (flash-style) softmax over the sequence's blocks.
 */
public final class PagedKvCache implements AutoCloseable {

    public enum Storage {
        F32(4), F16(2), BF16(2);

        final int bytes;

        Storage(int bytes) {
            this.bytes = bytes;
        }
    }

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    private static final int NONE = -1;

    private final int layers, kvHeads, headDim, blockSize, blockCount;
    private final Storage storage;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] keys, values;
    /** Blocks that hold nothing reusable, as a stack. */
    private final int[] emptyBlocks;
    private int emptyCount;
    /** Sequences holding each block. */
    private final int[] holders;
    /** Each sealed block's key, null for the others; and the sealed block of each key. */
    private final BlockKey[] sealedKey;
    private final Map<BlockKey, Integer> sealed = new HashMap<>();
    /** Sealed blocks nobody holds, least recently used first: a doubly linked list through the block indices. */
    private final int[] lruPrev, lruNext;
    private int lruHead = NONE, lruTail = NONE, cachedCount;

    public PagedKvCache(int layers, int kvHeads, int headDim, int blockSize, int blockCount, Storage storage) {
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.storage = storage;
        long layerBytes = (long) blockCount * kvHeads * blockSize * headDim * storage.bytes;
        keys = new MemorySegment[layers];
        values = new MemorySegment[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = arena.allocate(layerBytes, 64);
            values[l] = arena.allocate(layerBytes, 64);
        }
        emptyBlocks = new int[blockCount];
        for (int i = 0; i < blockCount; i++) emptyBlocks[i] = blockCount - 1 - i;
        emptyCount = blockCount;
        holders = new int[blockCount];
        sealedKey = new BlockKey[blockCount];
        lruPrev = new int[blockCount];
        lruNext = new int[blockCount];
    }

    public int blockSize() {
        return blockSize;
    }

    /** All blocks of the pool. */
    public int blocks() {
        return blockCount;
    }

    /** Blocks no sequence holds: empty ones and cached ones (which allocation evicts when no empty one is left). */
    public synchronized int freeBlocks() {
        return emptyCount + cachedCount;
    }

    /** Sealed blocks no sequence holds, kept for reuse until evicted. */
    public synchronized int cachedBlocks() {
        return cachedCount;
    }

    public synchronized KvSequence newSequence() {
        return new KvSequence();
    }

    /**
     * Starts an empty sequence with the longest run of sealed blocks whose keys are {@code keys[0], keys[1], …}:
     * it holds them (they leave the LRU list) and its length is their tokens. Returns the number of blocks reused.
     */
    public synchronized int reusePrefix(KvSequence seq, List<BlockKey> keys) {
        if (seq.released) throw new IllegalStateException("sequence released");
        if (seq.length != 0) throw new IllegalStateException("prefix reuse on a sequence of " + seq.length + " tokens");
        int n = 0;
        for (BlockKey key : keys) {
            Integer block = sealed.get(key);
            if (block == null) break;
            if (holders[block]++ == 0) unlinkLru(block);
            seq.addBlock(block);
            n++;
        }
        seq.sealedBlocks = n;
        seq.length = n * blockSize;
        return n;
    }

    /**
     * Seals the sequence's full blocks not sealed yet, block i under {@code keys[i]} (as far as there are keys), so
     * that other sequences can reuse them. A block whose key is already sealed elsewhere stays the sequence's own.
     * Returns the number of blocks newly offered for reuse.
     */
    public synchronized int seal(KvSequence seq, List<BlockKey> keys) {
        int full = Math.min(seq.length / blockSize, keys.size()), added = 0;
        for (; seq.sealedBlocks < full; seq.sealedBlocks++) {
            int block = seq.blocks[seq.sealedBlocks];
            BlockKey key = keys.get(seq.sealedBlocks);
            if (sealedKey[block] != null || sealed.containsKey(key)) continue;
            sealedKey[block] = key;
            sealed.put(key, block);
            added++;
        }
        return added;
    }

    /** Lets go of the sequence's blocks (sealed ones stay cached); the sequence can no longer be used. */
    public synchronized void release(KvSequence seq) {
        // The last blocks first: they join the LRU list earlier, so they are evicted before the prefix they extend.
        while (seq.blockCount > 0) drop(seq.blocks[--seq.blockCount]);
        seq.length = 0;
        seq.sealedBlocks = 0;
        seq.released = true;
    }

    /** Forgets tokens from {@code newLength} on (letting go of whole blocks past it); sealed blocks cannot be cut. */
    public synchronized void truncate(KvSequence seq, int newLength) {
        if (newLength > seq.length) throw new IllegalArgumentException("truncate to " + newLength + " > length " + seq.length);
        if (newLength < seq.sealedBlocks * blockSize) {
            throw new IllegalArgumentException("truncate to " + newLength + " cuts into the " + seq.sealedBlocks + " sealed blocks");
        }
        int keep = (newLength + blockSize - 1) / blockSize;
        while (seq.blockCount > keep) drop(seq.blocks[--seq.blockCount]);
        seq.length = newLength;
    }

    /**
     * Makes room for {@code n} more tokens and returns the KV index of the first; the caller then writes
     * indices {@code [start, start + n)} for every layer.
     */
    public synchronized int extend(KvSequence seq, int n) {
        if (seq.released) throw new IllegalStateException("sequence released");
        int start = seq.length, needed = (start + n + blockSize - 1) / blockSize;
        if (needed - seq.blockCount > emptyCount + cachedCount) {
            throw new IllegalStateException("KV cache full: need " + (needed - seq.blockCount) + " blocks, " + (emptyCount + cachedCount) + " free");
        }
        while (seq.blockCount < needed) seq.addBlock(allocate());
        seq.length = start + n;
        return start;
    }

    /** An empty block if there is one, else the least recently used cached block, forgotten. */
    private int allocate() {
        int block;
        if (emptyCount > 0) {
            block = emptyBlocks[--emptyCount];
        } else {
            block = lruHead;
            unlinkLru(block);
            sealed.remove(sealedKey[block]);
            sealedKey[block] = null;
        }
        holders[block] = 1;
        return block;
    }

    private void drop(int block) {
        if (--holders[block] > 0) return;
        if (sealedKey[block] == null) {
            emptyBlocks[emptyCount++] = block;
            return;
        }
        lruPrev[block] = lruTail;
        lruNext[block] = NONE;
        if (lruTail == NONE) lruHead = block;
        else lruNext[lruTail] = block;
        lruTail = block;
        cachedCount++;
    }

    private void unlinkLru(int block) {
        int prev = lruPrev[block], next = lruNext[block];
        if (prev == NONE) lruHead = next;
        else lruNext[prev] = next;
        if (next == NONE) lruTail = prev;
        else lruPrev[next] = prev;
        cachedCount--;
    }

    private long offset(int block, int kvHead, int slot) {
        return (((long) block * kvHeads + kvHead) * blockSize + slot) * headDim * storage.bytes;
    }

    /** Stores the keys and values of all KV heads of token {@code index}: {@code kvHeads · headDim} floats each. */
    public void write(int layer, KvSequence seq, int index, float[] k, int kOff, float[] v, int vOff) {
        int block = seq.block(index, blockSize), slot = index % blockSize;
        for (int h = 0; h < kvHeads; h++) {
            long o = offset(block, h, slot);
            store(keys[layer], o, k, kOff + h * headDim);
            store(values[layer], o, v, vOff + h * headDim);
        }
    }

    private void store(MemorySegment seg, long o, float[] src, int off) {
        switch (storage) {
            case F32 -> MemorySegment.copy(src, off, seg, FLOAT, o, headDim);
            case F16 -> {
                for (int i = 0; i < headDim; i++) seg.set(SHORT, o + 2L * i, Float.floatToFloat16(src[off + i]));
            }
            case BF16 -> {
                for (int i = 0; i < headDim; i++) seg.set(SHORT, o + 2L * i, HalfFloat.floatToBf16(src[off + i]));
            }
        }
    }

    /**
     * out = softmax(scale · q · Kᵀ) · V over the sequence's first {@code count} tokens of KV head
     * {@code kvHead} (a causal mask is just the right {@code count}). Online softmax, block by block.
     */
    public void attend(int layer, KvSequence seq, int kvHead, int count, float[] q, int qOff, float scale, float[] out, int outOff) {
        attendGroup(layer, seq, kvHead, count, q, qOff, 1, scale, out, outOff);
    }

    /**
     * {@link #attend} for the {@code heads} query heads that share KV head {@code kvHead} (grouped-query
     * attention): query head i is {@code q[qOff + i·headDim ...]}, its output {@code out[outOff + i·headDim ...]}.
     * Each block of keys and of values is converted to floats once (into an L1 scratch) and then read by every
     * head of the group, instead of once per head: with F16/BF16 storage the conversion is most of the work.
     */
    public void attendGroup(int layer, KvSequence seq, int kvHead, int count, float[] q, int qOff, int heads,
                            float scale, float[] out, int outOff) {
        Scratch w = SCRATCH.get();
        w.ensure(blockSize, headDim, heads);
        float[] kf = w.keys, vf = w.values, scores = w.scores, max = w.max, sum = w.sum;
        MemorySegment ks = keys[layer], vs = values[layer];
        java.util.Arrays.fill(out, outOff, outOff + heads * headDim, 0f);
        java.util.Arrays.fill(max, 0, heads, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(sum, 0, heads, 0f);
        for (int b = 0; b * blockSize < count; b++) {
            int block = seq.blocks[b], n = Math.min(blockSize, count - b * blockSize);
            long base = offset(block, kvHead, 0);
            toFloats(ks, base, n * headDim, kf);
            toFloats(vs, base, n * headDim, vf);
            for (int h = 0; h < heads; h++) {
                int qo = qOff + h * headDim, oo = outOff + h * headDim;
                float blockMax = Float.NEGATIVE_INFINITY;
                for (int s = 0; s < n; s++) {
                    float sc = dot(kf, s * headDim, q, qo) * scale;
                    scores[s] = sc;
                    blockMax = Math.max(blockMax, sc);
                }
                float m = max[h];
                if (blockMax > m) {
                    float rescale = (float) Math.exp(m - blockMax);
                    if (sum[h] != 0) {
                        sum[h] *= rescale;
                        for (int i = 0; i < headDim; i++) out[oo + i] *= rescale;
                    }
                    m = max[h] = blockMax;
                }
                float total = sum[h];
                for (int s = 0; s < n; s++) {
                    float p = (float) Math.exp(scores[s] - m);
                    total += p;
                    axpy(vf, s * headDim, p, out, oo);
                }
                sum[h] = total;
            }
        }
        for (int h = 0; h < heads; h++) {
            float inv = 1f / sum[h];
            for (int i = 0; i < headDim; i++) out[outOff + h * headDim + i] *= inv;
        }
    }

    /** Per-thread buffers of {@link #attendGroup}: one block of keys and of values as floats, scores, softmax state. */
    private static final class Scratch {
        float[] keys = new float[0], values = new float[0], scores = new float[0], max = new float[0], sum = new float[0];

        void ensure(int blockSize, int headDim, int heads) {
            if (keys.length < blockSize * headDim) {
                keys = new float[blockSize * headDim];
                values = new float[blockSize * headDim];
            }
            if (scores.length < blockSize) scores = new float[blockSize];
            if (max.length < heads) {
                max = new float[heads];
                sum = new float[heads];
            }
        }
    }

    /** {@code n} stored values at byte {@code o} as floats into {@code dst[0 .. n)}. */
    private void toFloats(MemorySegment seg, long o, int n, float[] dst) {
        int i = 0;
        if (storage == Storage.F16 && Lanes.BYTES) {
            // The 4-op conversion; a block holding an inf or NaN (an overflowed key or value) starts over below, exactly.
            i = Math.max(0, HalfFloat.f16ToFloatsFinite(seg, o, n, dst, 0));
        }
        if (i == 0 && vectorized()) {
            for (; i + Lanes.L <= n; i += Lanes.L) load(seg, o + (long) i * storage.bytes).intoArray(dst, i);
        }
        for (; i < n; i++) dst[i] = get(seg, o, i);
    }

    private float dot(float[] k, int ko, float[] q, int qOff) {
        FloatVector acc = FloatVector.zero(Lanes.F);
        int i = 0;
        for (; i + Lanes.L <= headDim; i += Lanes.L) {
            acc = FloatVector.fromArray(Lanes.F, k, ko + i).fma(FloatVector.fromArray(Lanes.F, q, qOff + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < headDim; i++) s += k[ko + i] * q[qOff + i];
        return s;
    }

    private void axpy(float[] v, int vo, float a, float[] out, int outOff) {
        FloatVector av = FloatVector.broadcast(Lanes.F, a);
        int i = 0;
        for (; i + Lanes.L <= headDim; i += Lanes.L) {
            FloatVector.fromArray(Lanes.F, v, vo + i).fma(av, FloatVector.fromArray(Lanes.F, out, outOff + i)).intoArray(out, outOff + i);
        }
        for (; i < headDim; i++) out[outOff + i] += a * v[vo + i];
    }

    private FloatVector load(MemorySegment seg, long o) {
        return switch (storage) {
            case F32 -> FloatVector.fromMemorySegment(Lanes.F, seg, o, ByteOrder.LITTLE_ENDIAN);
            case F16 -> HalfFloat.f16ToFloat(ShortVector.fromMemorySegment(Lanes.S, seg, o, ByteOrder.LITTLE_ENDIAN));
            case BF16 -> HalfFloat.bf16ToFloat(ShortVector.fromMemorySegment(Lanes.S, seg, o, ByteOrder.LITTLE_ENDIAN));
        };
    }

    private float get(MemorySegment seg, long o, int i) {
        return switch (storage) {
            case F32 -> seg.get(FLOAT, o + 4L * i);
            case F16 -> Float.float16ToFloat(seg.get(SHORT, o + 2L * i));
            case BF16 -> HalfFloat.bf16ToFloat(seg.get(SHORT, o + 2L * i));
        };
    }

    private boolean vectorized() {
        return storage == Storage.F32 || Lanes.BYTES;
    }

    @Override
    public void close() {
        arena.close();
    }
}
