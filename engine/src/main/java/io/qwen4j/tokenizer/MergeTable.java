package io.qwen4j.tokenizer;

/**
 * The BPE merge rules as an open-addressing hash map from a pair of token ids to the rule's rank and the
 * id of the merged token. Keys and values are packed into longs so a lookup touches two flat arrays and
 * allocates nothing; the map is immutable after construction and therefore safe to share between threads.
 */
final class MergeTable {

    /** Returned by {@link #lookup} when the pair has no merge rule; larger than any packed rule. */
    static final long NO_MERGE = Long.MAX_VALUE;
    private static final long EMPTY = -1L; // token ids are non-negative, so no key is ever -1

    private final long[] keys;
    private final long[] values;
    private final int mask;
    private final int shift;
    private int size;

    MergeTable(int expectedRules) {
        int capacity = Integer.highestOneBit(Math.max(16, expectedRules * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        mask = capacity - 1;
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
        java.util.Arrays.fill(keys, EMPTY);
    }

    /** Adds a rule; a pair that already has a rule keeps the earlier (lower-ranked) one. */
    void add(int left, int right, int rank, int merged) {
        if (size * 2 >= keys.length) throw new IllegalStateException("merge table is full");
        long key = pairKey(left, right);
        int slot = slotOf(key);
        while (keys[slot] != EMPTY) {
            if (keys[slot] == key) return;
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        values[slot] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
        size++;
    }

    /** The rule for (left, right) as {@code rank << 32 | mergedId}, or {@link #NO_MERGE}. */
    long lookup(int left, int right) {
        long key = pairKey(left, right);
        int slot = slotOf(key);
        while (true) {
            long k = keys[slot];
            if (k == key) return values[slot];
            if (k == EMPTY) return NO_MERGE;
            slot = (slot + 1) & mask;
        }
    }

    int size() {
        return size;
    }

    static int rankOf(long rule) {
        return (int) (rule >>> 32);
    }

    static int mergedIdOf(long rule) {
        return (int) rule;
    }

    private static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slotOf(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift); // Fibonacci hashing: the high bits mix best
    }
}
