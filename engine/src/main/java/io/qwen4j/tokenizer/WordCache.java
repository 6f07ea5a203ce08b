package io.qwen4j.tokenizer;

import java.util.Arrays;

/**
 * A bounded, lock-free cache from a pre-tokenized piece to its token ids. Direct-mapped: each piece has
 * one slot, a newcomer evicts the occupant. Entries are immutable records, so a reader that races a writer
 * sees either the old entry, the new one or none — all correct (final-field semantics publish the ids).
 * Lookups compare against a range of the input text, so a hit allocates nothing.
 */
final class WordCache {

    /** Longer pieces are rarely repeated; not caching them bounds the memory held. */
    static final int MAX_CACHED_CHARS = 48;

    private record Entry(String piece, int hash, int[] ids) {
    }

    private final Entry[] slots;
    private final int mask;

    WordCache(int slotCount) {
        int capacity = Integer.highestOneBit(Math.max(2, slotCount - 1)) << 1;
        slots = new Entry[capacity];
        mask = capacity - 1;
    }

    static int hash(String s, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) h = 31 * h + s.charAt(i);
        return h;
    }

    int[] get(String text, int start, int end, int hash) {
        Entry e = slots[slotOf(hash)];
        if (e != null && e.hash == hash && e.piece.length() == end - start
                && text.regionMatches(start, e.piece, 0, end - start)) {
            return e.ids;
        }
        return null;
    }

    void put(String piece, int hash, int[] ids) {
        slots[slotOf(hash)] = new Entry(piece, hash, ids);
    }

    void clear() {
        Arrays.fill(slots, null);
    }

    private int slotOf(int hash) {
        return (hash ^ (hash >>> 16) ^ (hash >>> 7)) & mask;
    }
}
