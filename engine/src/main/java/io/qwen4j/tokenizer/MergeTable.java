package io.qwen4j.tokenizer;

import java.util.Arrays;

/**
 * The BPE merge rules: an open-addressing hash map from a pair of token ids to the rule's rank, each entry
 * packed into one long ({@code left << 42 | right << 21 | rank}), so a lookup reads a single cache line and
 * allocates nothing; and the merged token of each rank in a flat array, read only when a rule is applied.
 * Immutable after construction, hence safe to share between threads.
 */
final class MergeTable {

    /** Rank returned for a pair without a rule; larger than every real rank. */
    static final int NO_MERGE = Integer.MAX_VALUE;
    private static final int BITS = 21;
    /** Ids and ranks must stay below this; the all-ones rank then never occurs, so -1 marks an empty slot. */
    static final int LIMIT = (1 << BITS) - 1;
    private static final long RANK_MASK = (1L << BITS) - 1;
    private static final long EMPTY = -1L;

    private final long[] slots;
    private final int shift;
    private final int[] mergedByRank;
    private int size;

    MergeTable(int ruleCount) {
        if (ruleCount >= LIMIT) throw new IllegalArgumentException(ruleCount + " merge rules are more than supported (" + LIMIT + ")");
        int capacity = Integer.highestOneBit(Math.max(16, ruleCount + ruleCount / 2)) << 1; // load factor <= 2/3
        slots = new long[capacity];
        Arrays.fill(slots, EMPTY);
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
        mergedByRank = new int[ruleCount];
        Arrays.fill(mergedByRank, -1);
    }

    /** Adds rule {@code rank} (0 <= rank < ruleCount); a pair that already has a rule keeps the earlier one. */
    void add(int left, int right, int rank, int merged) {
        if (left < 0 || left >= LIMIT || right < 0 || right >= LIMIT) {
            throw new IllegalArgumentException("token id out of range for the merge table: " + left + ", " + right);
        }
        long key = pairKey(left, right);
        int mask = slots.length - 1;
        int slot = slotOf(key);
        while (slots[slot] != EMPTY) {
            if ((slots[slot] & ~RANK_MASK) == key) return;
            slot = (slot + 1) & mask;
        }
        slots[slot] = key | rank;
        mergedByRank[rank] = merged;
        size++;
    }

    /** The rank of the rule merging (left, right), or {@link #NO_MERGE}. */
    int rank(int left, int right) {
        long key = pairKey(left, right);
        int mask = slots.length - 1;
        int slot = slotOf(key);
        while (true) {
            long entry = slots[slot];
            if ((entry & ~RANK_MASK) == key) return (int) (entry & RANK_MASK);
            if (entry == EMPTY) return NO_MERGE;
            slot = (slot + 1) & mask;
        }
    }

    /** The token produced by the rule of this rank. */
    int mergedId(int rank) {
        return mergedByRank[rank];
    }

    int size() {
        return size;
    }

    private static long pairKey(int left, int right) {
        return ((long) left << (2 * BITS)) | ((long) right << BITS);
    }

    private int slotOf(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift); // Fibonacci hashing: the high bits mix best
    }
}
