package io.qwen4j.tokenizer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A bounded, lock-free cache from a pre-tokenized piece to its token ids. Direct-mapped: each piece has
 * one slot and a newcomer evicts the occupant. An entry is one flat int array — hash, length, ids, then
 * the piece's chars two to an int — so a hit costs one dependent memory access rather than a chain of
 * objects, and compares against a range of the input text without allocating. Entries are never modified
 * after being published with release/acquire ordering, so a reader racing a writer sees the old entry, the
 * new one or none: all correct.
 */
final class WordCache {

    /** Longer pieces are rarely repeated; not caching them bounds the memory held. */
    static final int MAX_CACHED_CHARS = 48;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(int[][].class);
    private static final int HASH = 0;
    private static final int LENGTH = 1;
    private static final int ID_COUNT = 2;
    private static final int IDS = 3;

    private final int[][] slots;
    private final int mask;

    WordCache(int slotCount) {
        int capacity = Integer.highestOneBit(Math.max(2, slotCount - 1)) << 1;
        slots = new int[capacity][];
        mask = capacity - 1;
    }

    static int hash(String s, int start, int end) {
        int h = end - start;
        for (int i = start; i < end; i++) h = 31 * h + s.charAt(i);
        return h;
    }

    /** The entry caching {@code text[start, end)}, or null; read its ids with {@link #ids}. */
    int[] get(String text, int start, int end, int hash) {
        int[] e = (int[]) SLOT.getAcquire(slots, slotOf(hash));
        if (e == null || e[HASH] != hash || e[LENGTH] != end - start) return null;
        int charsAt = IDS + e[ID_COUNT];
        for (int i = 0; i < end - start; i++) {
            int packed = e[charsAt + (i >>> 1)];
            char c = (char) ((i & 1) == 0 ? packed : packed >>> 16);
            if (text.charAt(start + i) != c) return null;
        }
        return e;
    }

    static int idCount(int[] entry) {
        return entry[ID_COUNT];
    }

    static int idsOffset() {
        return IDS;
    }

    void put(String text, int start, int end, int hash, int[] ids, int idCount) {
        int length = end - start;
        int[] e = new int[IDS + idCount + (length + 1) / 2];
        e[HASH] = hash;
        e[LENGTH] = length;
        e[ID_COUNT] = idCount;
        System.arraycopy(ids, 0, e, IDS, idCount);
        int charsAt = IDS + idCount;
        for (int i = 0; i < length; i++) e[charsAt + (i >>> 1)] |= text.charAt(start + i) << ((i & 1) << 4);
        SLOT.setRelease(slots, slotOf(hash), e);
    }

    void clear() {
        Arrays.fill(slots, null);
    }

    private int slotOf(int hash) {
        int h = hash * 0x9E3779B9;
        return (h ^ (h >>> 15)) & mask;
    }
}
