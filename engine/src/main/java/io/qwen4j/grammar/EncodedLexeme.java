package io.qwen4j.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link CharDfa} turned into a byte automaton, either as raw UTF-8 text (numbers, punctuation, literals)
 * or as the body of a JSON string: {@code "}, the characters JSON-escaped where they must be (quote,
 * backslash, control characters; {@code \/} also accepted), {@code "}, optionally after bounded whitespace.
 * A JSON string may also bound its length in code points (minLength/maxLength): the count is part of the
 * state ({@code count << 20 | local state}), so no per-count copies of the automaton are built.
 *
 * <p>Local byte states {@code [0, nChar)} are character boundaries (the char DFA's states), then come the
 * intermediate states inside multi-byte characters and escapes, then the whitespace states, then "closed".
 */
final class EncodedLexeme implements ByteLexeme {
    /** Limit on (byte states × counted length) for exact liveness bit sets. */
    static final long MAX_COUNT_TABLE_BITS = 1L << 24;

    private final String key;
    private final boolean json;
    private final int nChar;
    private final int nByte;
    private final int[] next; // nByte * 256, -1 = none
    private final boolean[] charAccepting;
    private final int startLocal;
    private final int min;
    private final int max; // -1 unbounded
    private final boolean counted;
    private final boolean anyString;
    /** Every char state has a transition for every code point: any plain text keeps the body alive. */
    private final boolean complete;
    // Leading whitespace (JSON strings only).
    private final EncodedLexeme ws;
    private final int wsBase;
    private final int closed;
    /** Counted states are {@code count << LOCAL_BITS | local}: decoding is a shift and a mask. */
    private static final int LOCAL_BITS = 20;
    private static final long LOCAL_MASK = (1L << LOCAL_BITS) - 1;
    private final long stride;
    // Liveness with counting: remaining code points to acceptance from each byte state.
    private final long[][] reach; // bounded max: bit l set if acceptance is reachable in exactly l chars
    private final int[] minRemain; // fewest chars to acceptance
    private final boolean[] unboundedRemain; // an arbitrarily long completion exists
    private final int[] maxRemain; // longest completion when not unbounded
    private final boolean empty;

    private EncodedLexeme(String key, CharDfa dfa, boolean json, int min, int max, EncodedLexeme ws) {
        this.key = key;
        this.json = json;
        this.min = min;
        this.max = max;
        this.ws = ws;
        this.counted = json && (min > 0 || max >= 0);
        if (dfa.isEmpty()) {
            nChar = nByte = 0;
            next = new int[0];
            charAccepting = new boolean[0];
            startLocal = 0;
            anyString = false;
            complete = false;
            wsBase = closed = 0;
            stride = 1;
            reach = null;
            minRemain = maxRemain = null;
            unboundedRemain = null;
            empty = true;
            return;
        }
        nChar = dfa.size();
        charAccepting = dfa.accepting.clone();
        startLocal = dfa.start;
        anyString = dfa.isAnyString();
        boolean total = true;
        for (int q = 0; q < nChar && total; q++) {
            int[] t = dfa.transitions[q];
            int next = 0;
            for (int i = 0; i < t.length; i += 3) {
                if (t[i] != next) { total = false; break; }
                next = t[i + 1] + 1;
            }
            if (next != Regex.MAX_CODE_POINT + 1) total = false;
        }
        complete = total;
        Builder b = new Builder(nChar, json);
        for (int q = 0; q < nChar; q++) {
            if ((q & 63) == 0) CompileDeadline.check();
            b.buildState(q, dfa.transitions[q]);
        }
        nByte = b.count;
        next = Arrays.copyOf(b.table, nByte * 256);
        wsBase = nByte;
        closed = nByte + (ws != null ? ws.nByte : 0);
        stride = 1L << LOCAL_BITS; // locals: byte states, whitespace, closed, the virtual "before the quote" state
        if (closed + 2L > stride) throw new UnsupportedSchemaException("pattern", "string automaton too large");

        // Completion lengths, per byte state, in code points.
        minRemain = new int[nByte];
        maxRemain = new int[nByte];
        unboundedRemain = new boolean[nByte];
        computeRemainBounds(dfa);
        if (counted && max >= 0) {
            if ((long) nByte * (max + 1) > MAX_COUNT_TABLE_BITS) {
                throw new UnsupportedSchemaException("maxLength", "maxLength " + max + " is too large for this pattern");
            }
            reach = computeReach(dfa, max);
        } else {
            reach = null;
        }
        empty = !aliveLocal(startLocal, 0);
    }

    /** Raw UTF-8 text matching {@code regex}: for numbers, punctuation and literals. */
    static EncodedLexeme raw(String key, Regex regex) {
        return new EncodedLexeme(key, CharDfa.compile(regex), false, 0, -1, null);
    }

    /** Raw UTF-8 text accepted by {@code dfa}. */
    static EncodedLexeme raw(String key, CharDfa dfa) {
        return new EncodedLexeme(key, dfa, false, 0, -1, null);
    }

    /** A JSON string whose decoded value matches {@code dfa} with a length in [min, max] (max -1: none). */
    static EncodedLexeme jsonString(String key, CharDfa dfa, int min, int max, EncodedLexeme leadingWhitespace) {
        return new EncodedLexeme(key, dfa, true, min, max, leadingWhitespace);
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public boolean isEmpty() {
        return empty;
    }

    @Override
    public long start() {
        if (!json) return startLocal;
        return ws != null ? wsBase + ws.startLocal : closedOrOpen();
    }

    private long closedOrOpen() {
        return closed + 1; // "before the opening quote" without whitespace: a virtual state past closed
    }

    @Override
    public long step(long state, int b) {
        if (!json) {
            int t = next[(int) state * 256 + b];
            return t < 0 ? DEAD : t;
        }
        long count = state >>> LOCAL_BITS;
        int local = (int) (state & LOCAL_MASK);
        if (local < nByte) {
            if (local < nChar && b == '"') {
                return charAccepting[local] && count >= min ? closed : DEAD;
            }
            int t = next[local * 256 + b];
            if (t < 0) return DEAD;
            if (t < nChar) {
                count++;
                if (!counted) count = 0;
                else if (max < 0 && count > min) count = min;
            }
            return aliveLocal(t, count) ? (count << LOCAL_BITS) | t : DEAD;
        }
        if (local == closed) return DEAD;
        if (local == closed + 1 || ws.accepting(local - wsBase)) {
            if (b == '"') return aliveLocal(startLocal, 0) ? startLocal : DEAD;
            if (local == closed + 1) return DEAD;
        }
        int w = ws.next[(local - wsBase) * 256 + b];
        return w < 0 ? DEAD : wsBase + w;
    }

    @Override
    public boolean accepting(long state) {
        if (!json) return state < nChar && charAccepting[(int) state];
        return (state & LOCAL_MASK) == closed;
    }

    /** Whether {@code count} chars so far plus some completion from byte state {@code local} fit the bounds. */
    private boolean aliveLocal(int local, long count) {
        if (!counted) return true;
        if (max < 0) return unboundedRemain[local] || count + maxRemain[local] >= min;
        if (count + minRemain[local] > max) return false;
        if (anyString) return true; // any length in between is reachable
        long lo = Math.max(0, min - count), hi = max - count;
        long[] bits = reach[local];
        for (long l = lo; l <= hi; l++) {
            if ((bits[(int) (l >>> 6)] & (1L << l)) != 0) return true;
        }
        return false;
    }

    /**
     * For the token-mask slicer: when {@code state} is a character boundary inside a JSON string body where
     * any plain text stays alive (any-string automaton, or a complete one without maxLength), the number of
     * further code points allowed (Integer.MAX_VALUE if unbounded); else -1.
     */
    int freeStringBudget(long state) {
        if (!json || !(anyString || (complete && max < 0))) return -1;
        long count = state >>> LOCAL_BITS;
        int local = (int) (state & LOCAL_MASK);
        if (local >= nChar) return -1;
        if (!counted || max < 0) return Integer.MAX_VALUE;
        return (int) (max - count);
    }

    /**
     * A key for the slicer's cache: states of an unconstrained JSON string body at a character boundary
     * whose futures are the same for any token (at most 128 bytes) get the same key. -1 if not sliceable.
     */
    long sliceKey(long state) {
        if (freeStringBudget(state) < 0) return -1;
        long count = state >>> LOCAL_BITS;
        int local = (int) (state & LOCAL_MASK);
        long budget = max < 0 ? SLICE_CLAMP : Math.min(SLICE_CLAMP, max - count);
        long need = Math.min(SLICE_CLAMP, Math.max(0, min - count));
        return ((long) local << 20) | (budget << 10) | need;
    }

    private static final long SLICE_CLAMP = 300;

    // ---- completion lengths ----

    private void computeRemainBounds(CharDfa dfa) {
        int n = nChar;
        // Char states: min distance to acceptance (BFS on reversed edges) and longest path / cycle detection.
        int[] dist = new int[n];
        Arrays.fill(dist, Integer.MAX_VALUE);
        List<List<Integer>> rev = new ArrayList<>();
        for (int q = 0; q < n; q++) rev.add(new ArrayList<>());
        for (int q = 0; q < n; q++) for (int i = 0; i < dfa.transitions[q].length; i += 3) rev.get(dfa.transitions[q][i + 2]).add(q);
        java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>();
        for (int q = 0; q < n; q++) if (dfa.accepting[q]) { dist[q] = 0; work.add(q); }
        while (!work.isEmpty()) {
            int q = work.poll();
            for (int p : rev.get(q)) if (dist[p] == Integer.MAX_VALUE) { dist[p] = dist[q] + 1; work.add(p); }
        }
        // Longest path with cycle detection (iterative DFS colouring).
        int[] longest = new int[n];
        boolean[] infinite = new boolean[n];
        int[] color = new int[n];
        for (int root = 0; root < n; root++) {
            if (color[root] != 0) continue;
            java.util.ArrayDeque<int[]> stack = new java.util.ArrayDeque<>();
            stack.push(new int[] {root, 0});
            color[root] = 1;
            while (!stack.isEmpty()) {
                int[] top = stack.peek();
                int q = top[0];
                int[] t = dfa.transitions[q];
                if (top[1] < t.length) {
                    int to = t[top[1] + 2];
                    top[1] += 3;
                    if (color[to] == 0) { color[to] = 1; stack.push(new int[] {to, 0}); }
                    else if (color[to] == 1) infinite[q] = true;
                } else {
                    long best = dfa.accepting[q] ? 0 : Long.MIN_VALUE;
                    for (int i = 0; i < t.length; i += 3) {
                        int to = t[i + 2];
                        if (infinite[to]) infinite[q] = true;
                        best = Math.max(best, longest[to] + 1L);
                    }
                    longest[q] = (int) Math.min(best, Integer.MAX_VALUE / 2);
                    color[q] = 2;
                    stack.pop();
                }
            }
        }
        // A state on a cycle marks itself infinite; propagate to predecessors.
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int q = 0; q < n; q++) {
                if (infinite[q]) continue;
                for (int i = 0; i < dfa.transitions[q].length; i += 3) {
                    if (infinite[dfa.transitions[q][i + 2]]) { infinite[q] = true; changed = true; break; }
                }
            }
        }
        for (int q = 0; q < n; q++) {
            minRemain[q] = dist[q];
            maxRemain[q] = longest[q];
            unboundedRemain[q] = infinite[q];
        }
        // Intermediate states: over the characters they can complete to, 1 + the target's values.
        boolean[] done = new boolean[nByte];
        for (int s = nChar; s < nByte; s++) intermediateBounds(s, done);
    }

    private void intermediateBounds(int s, boolean[] done) {
        if (done[s]) return;
        done[s] = true;
        int mn = Integer.MAX_VALUE, mx = 0;
        boolean inf = false;
        for (int b = 0; b < 256; b++) {
            int t = next[s * 256 + b];
            if (t < 0) continue;
            if (t < nChar) {
                mn = Math.min(mn, minRemain[t] + 1);
                mx = Math.max(mx, maxRemain[t] + 1);
                inf |= unboundedRemain[t];
            } else {
                intermediateBounds(t, done);
                mn = Math.min(mn, minRemain[t]);
                mx = Math.max(mx, maxRemain[t]);
                inf |= unboundedRemain[t];
            }
        }
        minRemain[s] = mn;
        maxRemain[s] = mx;
        unboundedRemain[s] = inf;
    }

    private long[][] computeReach(CharDfa dfa, int cap) {
        int words = cap / 64 + 1;
        long[][] r = new long[nByte][];
        if (anyString) return r; // not needed
        for (int q = 0; q < nChar; q++) {
            r[q] = new long[words];
            if (dfa.accepting[q]) r[q][0] |= 1;
        }
        // r[q][l] = OR over edges q->t of r[t][l-1]
        for (int l = 1; l <= cap; l++) {
            for (int q = 0; q < nChar; q++) {
                int[] t = dfa.transitions[q];
                for (int i = 0; i < t.length; i += 3) {
                    long[] rt = r[t[i + 2]];
                    if ((rt[(l - 1) >>> 6] & (1L << (l - 1))) != 0) { r[q][l >>> 6] |= 1L << l; break; }
                }
            }
        }
        for (int s = nChar; s < nByte; s++) intermediateReach(s, r, words, cap);
        return r;
    }

    private void intermediateReach(int s, long[][] r, int words, int cap) {
        if (r[s] != null) return;
        long[] acc = new long[words];
        for (int b = 0; b < 256; b++) {
            int t = next[s * 256 + b];
            if (t < 0) continue;
            if (t < nChar) shiftOr(acc, r[t], cap);
            else {
                intermediateReach(t, r, words, cap);
                for (int w = 0; w < words; w++) acc[w] |= r[t][w];
            }
        }
        r[s] = acc;
    }

    private static void shiftOr(long[] acc, long[] src, int cap) {
        for (int l = 0; l < cap; l++) if ((src[l >>> 6] & (1L << l)) != 0) acc[(l + 1) >>> 6] |= 1L << (l + 1);
    }

    // ---- byte-table construction ----

    /** Builds per char state a deterministic byte trie of its characters' encodings, sharing equal suffixes. */
    private static final class Builder {
        final int nChar;
        final boolean json;
        int[] table;
        int count;
        final Map<String, Integer> interned = new HashMap<>();

        Builder(int nChar, boolean json) {
            this.nChar = nChar;
            this.json = json;
            this.table = new int[Math.max(16, nChar * 2) * 256];
            Arrays.fill(table, -1);
            this.count = nChar;
        }

        /** A byte sequence: each position a 256-bit set; the sequence completes one char going to {@code target}. */
        record Seq(long[][] positions, int target) {
        }

        void buildState(int q, int[] intervals) {
            List<Seq> seqs = new ArrayList<>();
            for (int i = 0; i < intervals.length; i += 3) addEncodings(intervals[i], intervals[i + 1], intervals[i + 2], seqs);
            fill(q, seqs, 0);
        }

        private void addEncodings(int lo, int hi, int target, List<Seq> out) {
            List<int[][]> utf8 = new ArrayList<>();
            if (!json) {
                Utf8Ranges.split(lo, hi, utf8);
            } else {
                // Characters written as themselves: everything but controls, '"' and '\'.
                int[] plain = CharRanges.intersect(new int[] {lo, hi}, CharRanges.of(0x20, 0x21, 0x23, 0x5B, 0x5D, Regex.MAX_CODE_POINT));
                for (int i = 0; i < plain.length; i += 2) Utf8Ranges.split(plain[i], plain[i + 1], utf8);
                for (int c = Math.max(lo, 0); c <= Math.min(hi, 0x5C); c++) {
                    if (c < 0x20) {
                        String shortForm = switch (c) {
                            case 8 -> "b"; case 9 -> "t"; case 10 -> "n"; case 12 -> "f"; case 13 -> "r";
                            default -> null;
                        };
                        if (shortForm != null) out.add(literal("\\" + shortForm, target));
                        else out.add(unicodeEscape(c, target));
                    } else if (c == '"' || c == '\\') {
                        out.add(literal("\\" + (char) c, target));
                    } else if (c == '/') {
                        out.add(literal("\\/", target));
                    }
                }
            }
            for (int[][] s : utf8) {
                long[][] pos = new long[s.length][];
                for (int i = 0; i < s.length; i++) pos[i] = bits(s[i][0], s[i][1]);
                out.add(new Seq(pos, target));
            }
        }

        private static Seq literal(String ascii, int target) {
            long[][] pos = new long[ascii.length()][];
            for (int i = 0; i < ascii.length(); i++) pos[i] = bits(ascii.charAt(i), ascii.charAt(i));
            return new Seq(pos, target);
        }

        /** The six-character escape (backslash, u, 00, two hex digits) with either case for the hex letter. */
        private static Seq unicodeEscape(int c, int target) {
            long[][] pos = new long[6][];
            pos[0] = bits('\\', '\\');
            pos[1] = bits('u', 'u');
            pos[2] = bits('0', '0');
            pos[3] = bits('0', '0');
            pos[4] = bits('0' + (c >> 4), '0' + (c >> 4));
            int d = c & 15;
            if (d < 10) pos[5] = bits('0' + d, '0' + d);
            else {
                pos[5] = bits('a' + d - 10, 'a' + d - 10);
                long[] up = bits('A' + d - 10, 'A' + d - 10);
                for (int w = 0; w < 4; w++) pos[5][w] |= up[w];
            }
            return new Seq(pos, target);
        }

        static long[] bits(int lo, int hi) {
            long[] b = new long[4];
            for (int i = lo; i <= hi; i++) b[i >>> 6] |= 1L << i;
            return b;
        }

        /** Fills the transitions of byte state {@code state} for the given sequences at {@code offset}. */
        private void fill(int state, List<Seq> seqs, int offset) {
            for (int b = 0; b < 256; b++) {
                List<Seq> child = null;
                int complete = -1;
                for (Seq s : seqs) {
                    long[] p = s.positions[offset];
                    if ((p[b >>> 6] & (1L << b)) == 0) continue;
                    if (offset + 1 == s.positions.length) complete = s.target;
                    else {
                        if (child == null) child = new ArrayList<>();
                        child.add(s);
                    }
                }
                if (complete >= 0) table[state * 256 + b] = complete;
                else if (child != null) {
                    int next = intern(child, offset + 1); // may grow the table: store after, into the new array
                    table[state * 256 + b] = next;
                }
            }
        }

        private int intern(List<Seq> seqs, int offset) {
            StringBuilder k = new StringBuilder();
            List<String> parts = new ArrayList<>();
            for (Seq s : seqs) {
                StringBuilder p = new StringBuilder();
                for (int i = offset; i < s.positions.length; i++) {
                    for (long w : s.positions[i]) p.append(Long.toHexString(w)).append(',');
                    p.append(';');
                }
                p.append("->").append(s.target);
                parts.add(p.toString());
            }
            parts.sort(null);
            for (String p : parts) k.append(p).append('|');
            String key = k.toString();
            Integer id = interned.get(key);
            if (id != null) return id;
            id = count++;
            if ((long) count * 256 > table.length) {
                int old = table.length;
                table = Arrays.copyOf(table, old * 2);
                Arrays.fill(table, old, table.length, -1);
            }
            interned.put(key, id);
            fill(id, seqs, offset);
            return id;
        }
    }
}
