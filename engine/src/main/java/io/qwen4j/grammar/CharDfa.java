package io.qwen4j.grammar;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A deterministic automaton over code points, built from a {@link Regex} by Thompson construction and
 * subset construction, with states that cannot reach acceptance removed. Transitions of a state are
 * disjoint code-point intervals. Sizes are bounded so a hostile pattern is refused, not compiled forever.
 */
final class CharDfa {
    static final int MAX_NFA_STATES = 40_000;
    static final int MAX_DFA_STATES = 4_000;

    /** Start state, or -1 when the language is empty. */
    final int start;
    final boolean[] accepting;
    /** Per state: flat (lo, hi, target) triples sorted by lo. */
    final int[][] transitions;

    private CharDfa(int start, boolean[] accepting, int[][] transitions) {
        this.start = start;
        this.accepting = accepting;
        this.transitions = transitions;
    }

    int size() {
        return accepting.length;
    }

    boolean isEmpty() {
        return start < 0;
    }

    /** The target of {@code cp} from {@code state}, or -1. */
    int step(int state, int cp) {
        int[] t = transitions[state];
        for (int i = 0; i < t.length; i += 3) {
            if (cp < t[i]) return -1;
            if (cp <= t[i + 1]) return t[i + 2];
        }
        return -1;
    }

    boolean matches(String s) {
        int q = start;
        if (q < 0) return false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            q = step(q, cp);
            if (q < 0) return false;
        }
        return accepting[q];
    }

    /** True when the automaton is "any string": one accepting state looping on every code point. */
    boolean isAnyString() {
        return size() == 1 && accepting[0] && transitions[0].length == 3 && transitions[0][0] == 0
                && transitions[0][1] == Regex.MAX_CODE_POINT;
    }

    static CharDfa compile(Regex regex) {
        Nfa nfa = new Nfa();
        int s = nfa.newState(), e = nfa.newState();
        nfa.build(regex, s, e);
        nfa.accept = e;
        return determinize(nfa, s);
    }

    /** An automaton from its tables (state 0 is the start), pruned and minimized. */
    static CharDfa of(boolean[] accepting, int[][] transitions) {
        CharDfa pruned = prune(accepting, transitions);
        return pruned.isEmpty() ? pruned : pruned.minimize();
    }

    /** The strings both automata accept (product construction), pruned and minimized. */
    static CharDfa intersect(CharDfa a, CharDfa b) {
        if (a.isEmpty() || b.isEmpty()) return new CharDfa(-1, new boolean[0], new int[0][]);
        Map<Long, Integer> ids = new HashMap<>();
        List<long[]> pairs = new ArrayList<>();
        List<int[]> trans = new ArrayList<>();
        ids.put(((long) a.start << 32) | b.start, 0);
        pairs.add(new long[] {a.start, b.start});
        for (int q = 0; q < pairs.size(); q++) {
            if ((q & 63) == 0) CompileDeadline.check();
            int[] ta = a.transitions[(int) pairs.get(q)[0]], tb = b.transitions[(int) pairs.get(q)[1]];
            int[] out = new int[0];
            int n = 0;
            for (int i = 0, j = 0; i < ta.length && j < tb.length; ) {
                int lo = Math.max(ta[i], tb[j]), hi = Math.min(ta[i + 1], tb[j + 1]);
                if (lo <= hi) {
                    long key = ((long) ta[i + 2] << 32) | tb[j + 2];
                    Integer id = ids.get(key);
                    if (id == null) {
                        id = pairs.size();
                        if (id >= MAX_DFA_STATES) throw new UnsupportedSchemaException("pattern", "automaton too complex (over " + MAX_DFA_STATES + " states)");
                        ids.put(key, id);
                        pairs.add(new long[] {ta[i + 2], tb[j + 2]});
                    }
                    if (n + 3 > out.length) out = Arrays.copyOf(out, Math.max(12, out.length * 2));
                    out[n++] = lo;
                    out[n++] = hi;
                    out[n++] = id;
                }
                if (ta[i + 1] < tb[j + 1]) i += 3;
                else j += 3;
            }
            trans.add(Arrays.copyOf(out, n));
        }
        boolean[] acc = new boolean[pairs.size()];
        for (int q = 0; q < acc.length; q++) acc[q] = a.accepting[(int) pairs.get(q)[0]] && b.accepting[(int) pairs.get(q)[1]];
        return of(acc, trans.toArray(int[][]::new));
    }

    /** Exactly the given strings, built as a trie and minimized (no NFA: large enums stay cheap). */
    static CharDfa ofStrings(java.util.Collection<String> strings) {
        List<java.util.TreeMap<Integer, Integer>> children = new ArrayList<>();
        List<Boolean> acc = new ArrayList<>();
        children.add(new java.util.TreeMap<>());
        acc.add(false);
        int done = 0;
        for (String s : strings) {
            if ((++done & 255) == 0) CompileDeadline.check();
            int q = 0;
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                i += Character.charCount(cp);
                Integer next = children.get(q).get(cp);
                if (next == null) {
                    next = children.size();
                    if (next >= MAX_NFA_STATES * 4) throw new UnsupportedSchemaException("enum", "enum values too long in total");
                    children.add(new java.util.TreeMap<>());
                    acc.add(false);
                    children.get(q).put(cp, next);
                }
                q = next;
            }
            acc.set(q, true);
        }
        if (strings.isEmpty()) return new CharDfa(-1, new boolean[0], new int[0][]);
        int n = children.size();
        boolean[] accepting = new boolean[n];
        int[][] trans = new int[n][];
        for (int q = 0; q < n; q++) {
            accepting[q] = acc.get(q);
            int[] t = new int[children.get(q).size() * 3];
            int k = 0;
            for (Map.Entry<Integer, Integer> e : children.get(q).entrySet()) {
                t[k++] = e.getKey();
                t[k++] = e.getKey();
                t[k++] = e.getValue();
            }
            trans[q] = t;
        }
        return new CharDfa(0, accepting, trans).minimize();
    }

    /**
     * {@code a} then {@code b}, for automata where no character that continues {@code a} from an accepting
     * state can begin {@code b} (leading whitespace then a token), so the concatenation stays deterministic.
     */
    static CharDfa concat(CharDfa a, CharDfa b) {
        if (a.isEmpty() || b.isEmpty()) return new CharDfa(-1, new boolean[0], new int[0][]);
        int na = a.size(), n = na + b.size();
        boolean[] accepting = new boolean[n];
        int[][] trans = new int[n][];
        int[] bStart = shifted(b.transitions[b.start], na);
        for (int q = 0; q < na; q++) {
            int[] own = shifted(a.transitions[q], 0);
            if (a.accepting[q]) {
                accepting[q] = b.accepting[b.start];
                own = mergeDisjoint(own, bStart);
            }
            trans[q] = own;
        }
        for (int q = 0; q < b.size(); q++) {
            accepting[na + q] = b.accepting[q];
            trans[na + q] = shifted(b.transitions[q], na);
        }
        return prune(accepting, trans);
    }

    private static int[] shifted(int[] t, int by) {
        int[] o = t.clone();
        for (int i = 2; i < o.length; i += 3) o[i] += by;
        return o;
    }

    private static int[] mergeDisjoint(int[] x, int[] y) {
        int[] o = new int[x.length + y.length];
        int i = 0, j = 0, k = 0;
        while (i < x.length || j < y.length) {
            boolean takeX = j >= y.length || (i < x.length && x[i] < y[j]);
            int[] src = takeX ? x : y;
            int at = takeX ? i : j;
            if (k > 0 && src[at] <= o[k - 2]) throw new IllegalArgumentException("concatenation would not be deterministic");
            System.arraycopy(src, at, o, k, 3);
            k += 3;
            if (takeX) i += 3;
            else j += 3;
        }
        return o;
    }

    // ---- Thompson NFA ----

    private static final class Nfa {
        final List<int[]> epsilon = new ArrayList<>();
        final List<int[]> edges = new ArrayList<>(); // flat (lo, hi, target)
        int accept;

        int newState() {
            if (epsilon.size() >= MAX_NFA_STATES) throw new UnsupportedSchemaException("pattern", "regular expression too large (over " + MAX_NFA_STATES + " automaton states)");
            epsilon.add(new int[0]);
            edges.add(new int[0]);
            return epsilon.size() - 1;
        }

        void eps(int from, int to) {
            int[] a = epsilon.get(from);
            a = Arrays.copyOf(a, a.length + 1);
            a[a.length - 1] = to;
            epsilon.set(from, a);
        }

        void edge(int from, int[] ranges, int to) {
            int[] a = edges.get(from);
            int n = a.length;
            a = Arrays.copyOf(a, n + ranges.length / 2 * 3);
            for (int i = 0; i < ranges.length; i += 2) {
                a[n++] = ranges[i];
                a[n++] = ranges[i + 1];
                a[n++] = to;
            }
            edges.set(from, a);
        }

        void build(Regex r, int s, int e) {
            switch (r) {
                case Regex.Chars c -> {
                    if (c.ranges().length > 0) edge(s, c.ranges(), e);
                }
                case Regex.Concat c -> {
                    int cur = s;
                    List<Regex> parts = c.parts();
                    for (int i = 0; i < parts.size(); i++) {
                        int next = i == parts.size() - 1 ? e : newState();
                        build(parts.get(i), cur, next);
                        cur = next;
                    }
                    if (parts.isEmpty()) eps(s, e);
                }
                case Regex.Alt a -> {
                    for (Regex o : a.options()) {
                        int os = newState(), oe = newState();
                        eps(s, os);
                        build(o, os, oe);
                        eps(oe, e);
                    }
                }
                case Regex.Repeat rep -> {
                    int cur = s;
                    for (int i = 0; i < rep.min(); i++) {
                        int next = newState();
                        build(rep.body(), cur, next);
                        cur = next;
                    }
                    if (rep.max() < 0) {
                        int loop = newState();
                        eps(cur, loop);
                        int bodyEnd = newState();
                        build(rep.body(), loop, bodyEnd);
                        eps(bodyEnd, loop);
                        eps(loop, e);
                    } else {
                        for (int i = rep.min(); i < rep.max(); i++) {
                            eps(cur, e);
                            int next = newState();
                            build(rep.body(), cur, next);
                            cur = next;
                        }
                        eps(cur, e);
                    }
                }
            }
        }

        int[] closure(int[] states) {
            boolean[] seen = new boolean[epsilon.size()];
            ArrayDeque<Integer> work = new ArrayDeque<>();
            for (int s : states) if (!seen[s]) { seen[s] = true; work.add(s); }
            int count = 0;
            int[] out = new int[16];
            while (!work.isEmpty()) {
                int s = work.poll();
                if (count == out.length) out = Arrays.copyOf(out, count * 2);
                out[count++] = s;
                for (int t : epsilon.get(s)) if (!seen[t]) { seen[t] = true; work.add(t); }
            }
            out = Arrays.copyOf(out, count);
            Arrays.sort(out);
            return out;
        }
    }

    // ---- subset construction ----

    private static CharDfa determinize(Nfa nfa, int nfaStart) {
        Map<IntArrayKey, Integer> ids = new HashMap<>();
        List<int[]> sets = new ArrayList<>();
        List<int[]> trans = new ArrayList<>();
        int[] startSet = nfa.closure(new int[] {nfaStart});
        ids.put(new IntArrayKey(startSet), 0);
        sets.add(startSet);
        for (int q = 0; q < sets.size(); q++) {
            if ((q & 63) == 0) CompileDeadline.check();
            int[] set = sets.get(q);
            // Elementary intervals: split points at every range boundary of the member states' edges.
            int total = 0;
            for (int s : set) total += nfa.edges.get(s).length / 3;
            int[] bounds = new int[total * 2];
            int nb = 0;
            for (int s : set) {
                int[] ed = nfa.edges.get(s);
                for (int i = 0; i < ed.length; i += 3) {
                    bounds[nb++] = ed[i];
                    bounds[nb++] = ed[i + 1] + 1;
                }
            }
            Arrays.sort(bounds, 0, nb);
            int[] out = new int[0];
            int outN = 0;
            int[] targets = new int[total];
            for (int b = 0; b < nb - 1; b++) {
                int lo = bounds[b], hi = bounds[b + 1] - 1;
                if (lo > hi) continue;
                int nt = 0;
                for (int s : set) {
                    int[] ed = nfa.edges.get(s);
                    for (int i = 0; i < ed.length; i += 3) if (ed[i] <= lo && lo <= ed[i + 1]) targets[nt++] = ed[i + 2];
                }
                if (nt == 0) continue;
                int[] closed = nfa.closure(Arrays.copyOf(targets, nt));
                IntArrayKey key = new IntArrayKey(closed);
                Integer id = ids.get(key);
                if (id == null) {
                    id = sets.size();
                    if (id >= MAX_DFA_STATES) throw new UnsupportedSchemaException("pattern", "regular expression too complex (over " + MAX_DFA_STATES + " DFA states)");
                    ids.put(key, id);
                    sets.add(closed);
                }
                if (outN > 0 && out[outN - 1] == id && out[outN - 2] == lo - 1) {
                    out[outN - 2] = hi; // merge with the adjacent interval
                } else {
                    if (outN + 3 > out.length) out = Arrays.copyOf(out, Math.max(12, out.length * 2));
                    out[outN++] = lo;
                    out[outN++] = hi;
                    out[outN++] = id;
                }
            }
            trans.add(Arrays.copyOf(out, outN));
        }
        int n = sets.size();
        boolean[] acc = new boolean[n];
        for (int q = 0; q < n; q++) acc[q] = Arrays.binarySearch(sets.get(q), nfa.accept) >= 0;
        CharDfa pruned = prune(acc, trans.toArray(int[][]::new));
        return pruned.isEmpty() ? pruned : pruned.minimize();
    }

    /**
     * Moore partition refinement: merges equivalent states, so equal languages get equal automata (in
     * particular "any string" becomes the single looping state the mask slicer recognises).
     */
    private CharDfa minimize() {
        int n = size();
        int[] block = new int[n];
        for (int q = 0; q < n; q++) block[q] = accepting[q] ? 1 : 0;
        int blocks = -1;
        while (true) {
            CompileDeadline.check();
            Map<List<Integer>, Integer> ids = new HashMap<>();
            int[] next = new int[n];
            for (int q = 0; q < n; q++) {
                List<Integer> sig = new ArrayList<>();
                sig.add(block[q]);
                int[] t = transitions[q];
                int lastBlock = -1, lastHi = -2;
                for (int i = 0; i < t.length; i += 3) {
                    int b = block[t[i + 2]];
                    if (b == lastBlock && t[i] == lastHi + 1) {
                        sig.set(sig.size() - 1, t[i + 1]); // extend the previous interval
                    } else {
                        sig.add(t[i]);
                        sig.add(b);
                        sig.add(t[i + 1]);
                    }
                    lastBlock = b;
                    lastHi = t[i + 1];
                }
                Integer id = ids.get(sig);
                if (id == null) {
                    id = ids.size();
                    ids.put(sig, id);
                }
                next[q] = id;
            }
            int count = ids.size();
            block = next;
            if (count == blocks) break;
            blocks = count;
        }
        if (blocks == n) return this;
        // Renumber so the start state's block is 0, then rebuild merged transitions.
        int[] renum = new int[blocks];
        Arrays.fill(renum, -1);
        int k = 0;
        renum[block[start]] = k++;
        for (int q = 0; q < n; q++) if (renum[block[q]] < 0) renum[block[q]] = k++;
        boolean[] acc2 = new boolean[blocks];
        int[][] trans2 = new int[blocks][];
        for (int q = 0; q < n; q++) {
            int b = renum[block[q]];
            if (trans2[b] != null) continue;
            acc2[b] = accepting[q];
            int[] t = transitions[q];
            int[] o = new int[t.length];
            int m = 0;
            for (int i = 0; i < t.length; i += 3) {
                int to = renum[block[t[i + 2]]];
                if (m > 0 && o[m - 1] == to && o[m - 2] == t[i] - 1) { o[m - 2] = t[i + 1]; continue; }
                o[m++] = t[i];
                o[m++] = t[i + 1];
                o[m++] = to;
            }
            trans2[b] = Arrays.copyOf(o, m);
        }
        return new CharDfa(0, acc2, trans2);
    }

    /** Removes states that cannot reach an accepting state, renumbering the rest (start becomes 0). */
    private static CharDfa prune(boolean[] acc, int[][] trans) {
        int n = acc.length;
        List<List<Integer>> reverse = new ArrayList<>();
        for (int q = 0; q < n; q++) reverse.add(new ArrayList<>());
        for (int q = 0; q < n; q++) for (int i = 0; i < trans[q].length; i += 3) reverse.get(trans[q][i + 2]).add(q);
        boolean[] live = new boolean[n];
        ArrayDeque<Integer> work = new ArrayDeque<>();
        for (int q = 0; q < n; q++) if (acc[q]) { live[q] = true; work.add(q); }
        while (!work.isEmpty()) for (int p : reverse.get(work.poll())) if (!live[p]) { live[p] = true; work.add(p); }
        if (!live[0]) return new CharDfa(-1, new boolean[0], new int[0][]);
        int[] renum = new int[n];
        int m = 0;
        for (int q = 0; q < n; q++) renum[q] = live[q] ? m++ : -1;
        boolean[] acc2 = new boolean[m];
        int[][] trans2 = new int[m][];
        for (int q = 0; q < n; q++) {
            if (!live[q]) continue;
            acc2[renum[q]] = acc[q];
            int[] t = trans[q];
            int[] o = new int[t.length];
            int k = 0;
            for (int i = 0; i < t.length; i += 3) {
                int to = renum[t[i + 2]];
                if (to < 0) continue;
                if (k > 0 && o[k - 1] == to && o[k - 2] == t[i] - 1) { o[k - 2] = t[i + 1]; continue; }
                o[k++] = t[i];
                o[k++] = t[i + 1];
                o[k++] = to;
            }
            trans2[renum[q]] = Arrays.copyOf(o, k);
        }
        return new CharDfa(0, acc2, trans2);
    }

    /** An int array usable as a hash key. */
    record IntArrayKey(int[] a) {
        @Override
        public boolean equals(Object o) {
            return o instanceof IntArrayKey k && Arrays.equals(a, k.a);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(a);
        }
    }
}
