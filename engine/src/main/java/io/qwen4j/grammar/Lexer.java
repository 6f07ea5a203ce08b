package io.qwen4j.grammar;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the lexemes a parser row allows, all at once. A lexer state is a long: a single live lexeme is
 * encoded inline as {@code lexemeId << 40 | lexemeState} (no allocation on the hot path); several live
 * lexemes form a combined state, interned per grammar and encoded as {@code -2 - id}, with a lazily filled
 * transition table. {@link #DEAD} is -1. Shared by all sequences of a compiled grammar: thread-safe.
 */
final class Lexer {
    static final long DEAD = -1L;
    private static final long STATE_MASK = (1L << 40) - 1;
    private static final long UNKNOWN = Long.MIN_VALUE;
    private static final VarHandle CACHE = MethodHandles.arrayElementVarHandle(long[].class);
    /** Combined states beyond this many are still interned but get no transition cache. */
    private static final int MAX_CACHED_COMBINED = 200_000;

    private final ByteLexeme[] lexemes; // by terminal id; null for special-token terminals
    private final Map<CombinedKey, Integer> combinedIds = new HashMap<>();
    private volatile Combined[] combined = new Combined[64];
    private int combinedCount;
    private final Map<CharDfa.IntArrayKey, Long> startStates = new HashMap<>();

    Lexer(ByteLexeme[] lexemes) {
        this.lexemes = lexemes;
        for (ByteLexeme l : lexemes) {
            if (l != null && l.start() > STATE_MASK) throw new IllegalStateException("lexeme state out of range");
        }
    }

    ByteLexeme lexeme(int terminal) {
        return lexemes[terminal];
    }

    /** The state before any byte of one of {@code terminals} (sorted), or DEAD if none is a byte lexeme. */
    long start(int[] terminals) {
        CharDfa.IntArrayKey key = new CharDfa.IntArrayKey(terminals);
        synchronized (startStates) {
            Long s = startStates.get(key);
            if (s != null) return s;
        }
        int n = 0;
        int[] ids = new int[terminals.length];
        long[] states = new long[terminals.length];
        for (int t : terminals) {
            ByteLexeme l = lexemes[t];
            if (l == null || l.isEmpty()) continue;
            ids[n] = t;
            states[n++] = l.start();
        }
        long s = make(Arrays.copyOf(ids, n), Arrays.copyOf(states, n));
        synchronized (startStates) {
            startStates.put(key, s);
        }
        return s;
    }

    long step(long state, int b) {
        if (state >= 0) {
            int id = (int) (state >>> 40);
            long s = lexemes[id].step(state & STATE_MASK, b);
            return s < 0 ? DEAD : ((long) id << 40) | s;
        }
        if (state == DEAD) return DEAD;
        Combined c = combined[(int) (-2 - state)];
        if (c.cache != null) {
            long cached = (long) CACHE.getOpaque(c.cache, b);
            if (cached != UNKNOWN) return cached;
        }
        int n = 0;
        int[] ids = new int[c.ids.length];
        long[] states = new long[c.ids.length];
        for (int i = 0; i < c.ids.length; i++) {
            long s = lexemes[c.ids[i]].step(c.states[i], b);
            if (s < 0) continue;
            ids[n] = c.ids[i];
            states[n++] = s;
        }
        long result = make(Arrays.copyOf(ids, n), Arrays.copyOf(states, n));
        if (c.cache != null) CACHE.setOpaque(c.cache, b, result);
        return result;
    }

    /**
     * A key naming the set of terminals that are complete in {@code state} (for the parser's scan and its
     * memo): a terminal id for a single lexeme, {@code 1L << 32 | combinedId} for a combined state, or -1
     * when nothing is complete.
     */
    long acceptKey(long state) {
        if (state >= 0) {
            int id = (int) (state >>> 40);
            return lexemes[id].accepting(state & STATE_MASK) ? id : -1;
        }
        if (state == DEAD) return -1;
        int cid = (int) (-2 - state);
        return combined[cid].accepted.length == 0 ? -1 : (1L << 32) | cid;
    }

    /** The terminals named by an {@link #acceptKey}. */
    int[] acceptedTerminals(long key) {
        if (key < (1L << 32)) return new int[] {(int) key};
        return combined[(int) (key & 0xFFFFFFFFL)].accepted;
    }

    /** The lexeme and its state when exactly one lexeme is live, for the slicer; null otherwise. */
    ByteLexeme singleLexeme(long state) {
        return state >= 0 ? lexemes[(int) (state >>> 40)] : null;
    }

    /**
     * The largest plain-text budget ({@link EncodedLexeme#freeStringBudget}) over the live lexemes of a
     * state: any plain token within it keeps at least one lexeme alive. -1 if none is a free string body.
     */
    int freeStringBudget(long state) {
        if (state >= 0) {
            return lexemes[(int) (state >>> 40)] instanceof EncodedLexeme e ? e.freeStringBudget(state & STATE_MASK) : -1;
        }
        if (state == DEAD) return -1;
        Combined c = combined[(int) (-2 - state)];
        int best = -1;
        for (int i = 0; i < c.ids.length; i++) {
            if (lexemes[c.ids[i]] instanceof EncodedLexeme e) best = Math.max(best, e.freeStringBudget(c.states[i]));
        }
        return best;
    }

    static long singleState(long state) {
        return state & STATE_MASK;
    }

    private long make(int[] ids, long[] states) {
        if (ids.length == 0) return DEAD;
        if (ids.length == 1) {
            if (states[0] > STATE_MASK) throw new IllegalStateException("lexeme state out of range");
            return ((long) ids[0] << 40) | states[0];
        }
        CombinedKey key = new CombinedKey(ids, states);
        synchronized (combinedIds) {
            Integer id = combinedIds.get(key);
            if (id != null) return -2L - id;
            int newId = combinedCount++;
            int na = 0;
            int[] acc = new int[ids.length];
            for (int i = 0; i < ids.length; i++) if (lexemes[ids[i]].accepting(states[i])) acc[na++] = ids[i];
            long[] cache = null;
            if (newId < MAX_CACHED_COMBINED) {
                cache = new long[256];
                Arrays.fill(cache, UNKNOWN);
            }
            Combined c = new Combined(ids, states, Arrays.copyOf(acc, na), cache);
            Combined[] arr = combined;
            if (newId >= arr.length) arr = Arrays.copyOf(arr, arr.length * 2);
            arr[newId] = c;
            combined = arr; // volatile publish
            combinedIds.put(key, newId);
            return -2L - newId;
        }
    }

    int combinedStateCount() {
        synchronized (combinedIds) {
            return combinedCount;
        }
    }

    private record Combined(int[] ids, long[] states, int[] accepted, long[] cache) {
    }

    private record CombinedKey(int[] ids, long[] states) {
        @Override
        public boolean equals(Object o) {
            return o instanceof CombinedKey k && Arrays.equals(ids, k.ids) && Arrays.equals(states, k.states);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(ids) + Arrays.hashCode(states);
        }
    }
}
