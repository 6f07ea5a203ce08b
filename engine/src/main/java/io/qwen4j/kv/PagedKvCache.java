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

/**
 * Keys and values of all layers for many sequences, in fixed-size blocks of {@code blockSize} tokens taken
 * from one shared pool (off-heap, so the size is not limited by Java arrays). Within a block the layout is
 * {@code [kvHead][slot][headDim]}, so one head's keys of a block are contiguous for attention.
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
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[0]);

    private final int layers, kvHeads, headDim, blockSize, blockCount;
    private final Storage storage;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] keys, values;
    private final int[] freeBlocks;
    private int freeCount;

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
        freeBlocks = new int[blockCount];
        for (int i = 0; i < blockCount; i++) freeBlocks[i] = blockCount - 1 - i;
        freeCount = blockCount;
    }

    public int blockSize() {
        return blockSize;
    }

    public Storage storage() {
        return storage;
    }

    public int freeBlocks() {
        return freeCount;
    }

    public synchronized KvSequence newSequence() {
        return new KvSequence();
    }

    /** Returns the sequence's blocks to the pool; the sequence can no longer be used. */
    public synchronized void release(KvSequence seq) {
        truncate(seq, 0);
        seq.released = true;
    }

    /** Forgets tokens from {@code newLength} on (freeing whole blocks past it). */
    public synchronized void truncate(KvSequence seq, int newLength) {
        if (newLength > seq.length) throw new IllegalArgumentException("truncate to " + newLength + " > length " + seq.length);
        int keep = (newLength + blockSize - 1) / blockSize;
        while (seq.blockCount > keep) freeBlocks[freeCount++] = seq.blocks[--seq.blockCount];
        seq.length = newLength;
    }

    /**
     * Makes room for {@code n} more tokens and returns the KV index of the first; the caller then writes
     * indices {@code [start, start + n)} for every layer.
     */
    public synchronized int extend(KvSequence seq, int n) {
        if (seq.released) throw new IllegalStateException("sequence released");
        int start = seq.length, needed = (start + n + blockSize - 1) / blockSize;
        if (needed - seq.blockCount > freeCount) {
            throw new IllegalStateException("KV cache full: need " + (needed - seq.blockCount) + " blocks, " + freeCount + " free");
        }
        while (seq.blockCount < needed) seq.addBlock(freeBlocks[--freeCount]);
        seq.length = start + n;
        return start;
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
        float[] scores = SCORES.get();
        if (scores.length < blockSize) {
            scores = new float[blockSize];
            SCORES.set(scores);
        }
        MemorySegment ks = keys[layer], vs = values[layer];
        java.util.Arrays.fill(out, outOff, outOff + headDim, 0f);
        float max = Float.NEGATIVE_INFINITY, sum = 0;
        for (int b = 0; b * blockSize < count; b++) {
            int block = seq.blocks[b], n = Math.min(blockSize, count - b * blockSize);
            float blockMax = Float.NEGATIVE_INFINITY;
            for (int s = 0; s < n; s++) {
                float sc = dot(ks, offset(block, kvHead, s), q, qOff) * scale;
                scores[s] = sc;
                blockMax = Math.max(blockMax, sc);
            }
            if (blockMax > max) {
                float rescale = (float) Math.exp(max - blockMax);
                if (sum != 0) {
                    sum *= rescale;
                    for (int i = 0; i < headDim; i++) out[outOff + i] *= rescale;
                }
                max = blockMax;
            }
            for (int s = 0; s < n; s++) {
                float p = (float) Math.exp(scores[s] - max);
                sum += p;
                axpy(vs, offset(block, kvHead, s), p, out, outOff);
            }
        }
        float inv = 1f / sum;
        for (int i = 0; i < headDim; i++) out[outOff + i] *= inv;
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

    private float dot(MemorySegment seg, long o, float[] q, int qOff) {
        int i = 0;
        float s = 0;
        if (vectorized()) {
            FloatVector acc = FloatVector.zero(Lanes.F);
            for (; i + Lanes.L <= headDim; i += Lanes.L) {
                acc = load(seg, o + (long) i * storage.bytes).fma(FloatVector.fromArray(Lanes.F, q, qOff + i), acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < headDim; i++) s += get(seg, o, i) * q[qOff + i];
        return s;
    }

    private void axpy(MemorySegment seg, long o, float a, float[] out, int outOff) {
        int i = 0;
        if (vectorized()) {
            FloatVector av = FloatVector.broadcast(Lanes.F, a);
            for (; i + Lanes.L <= headDim; i += Lanes.L) {
                load(seg, o + (long) i * storage.bytes).fma(av, FloatVector.fromArray(Lanes.F, out, outOff + i)).intoArray(out, outOff + i);
            }
        }
        for (; i < headDim; i++) out[outOff + i] += a * get(seg, o, i);
    }

    @Override
    public void close() {
        arena.close();
    }
}
