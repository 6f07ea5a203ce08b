package io.qwen4j.grammar;

import java.util.Arrays;

/**
 * One Earley set: the items after some number of lexemes, the terminals they expect, whether the input so
 * far is a complete sentence, and the lexer's start state for the expected terminals. Immutable apart from
 * a small memo of successor rows (a row's successor for a given set of lexemes depends only on the chart
 * prefix the row belongs to, which never changes), so rows are shared freely between copies of a sequence.
 */
final class EarleyRow {
    /** Position in the chart. */
    final int index;
    /** Items: production (24 bits) | dot (12 bits) | origin (28 bits). */
    final long[] items;
    /** Expected terminals, sorted. */
    final int[] terminals;
    final boolean accepting;
    final long lexerStart;
    /** For completion: nonterminals some item waits for (sorted) and those items. */
    final int[] waitingFor;
    final long[][] waitingItems;

    private long[] memoKeys = new long[2];
    private EarleyRow[] memoRows = new EarleyRow[2];
    private boolean[] memoFailed = new boolean[2];
    private int memoSize;

    EarleyRow(int index, long[] items, int[] terminals, boolean accepting, long lexerStart, int[] waitingFor, long[][] waitingItems) {
        this.index = index;
        this.items = items;
        this.terminals = terminals;
        this.accepting = accepting;
        this.lexerStart = lexerStart;
        this.waitingFor = waitingFor;
        this.waitingItems = waitingItems;
    }

    static long item(int production, int dot, int origin) {
        return ((long) production << 40) | ((long) dot << 28) | origin;
    }

    static int production(long item) {
        return (int) (item >>> 40);
    }

    static int dot(long item) {
        return (int) ((item >>> 28) & 0xFFF);
    }

    static int origin(long item) {
        return (int) (item & 0xFFFFFFF);
    }

    boolean expects(int terminal) {
        return Arrays.binarySearch(terminals, terminal) >= 0;
    }

    long[] waiting(int nonterminal) {
        int i = Arrays.binarySearch(waitingFor, nonterminal);
        return i < 0 ? null : waitingItems[i];
    }

    /** Memo lookup: the successor for accept key {@code key}; {@code FAILED} when known to fail, null if unknown. */
    synchronized EarleyRow memo(long key) {
        for (int i = 0; i < memoSize; i++) {
            if (memoKeys[i] == key) return memoFailed[i] ? FAILED : memoRows[i];
        }
        return null;
    }

    synchronized void remember(long key, EarleyRow row) {
        for (int i = 0; i < memoSize; i++) if (memoKeys[i] == key) return;
        if (memoSize == memoKeys.length) {
            memoKeys = Arrays.copyOf(memoKeys, memoSize * 2);
            memoRows = Arrays.copyOf(memoRows, memoSize * 2);
            memoFailed = Arrays.copyOf(memoFailed, memoSize * 2);
        }
        memoKeys[memoSize] = key;
        memoRows[memoSize] = row;
        memoFailed[memoSize] = row == null;
        memoSize++;
    }

    /** Marker for a memoized failure. */
    static final EarleyRow FAILED = new EarleyRow(-1, new long[0], new int[0], false, Lexer.DEAD, new int[0], new long[0][]);
}
