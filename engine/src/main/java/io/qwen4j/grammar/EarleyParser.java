package io.qwen4j.grammar;

import java.util.Arrays;

/**
 * Earley recognizer over lexemes. Predictions of nullable nonterminals advance immediately
 * (Aycock–Horspool), so completions only ever look at earlier rows. The chart is an array of rows indexed by
 * position; callers keep {@code chart[i]} equal to the row at position i of the sequence being extended.
 */
final class EarleyParser {
    /** Bound on items per row: a grammar that needs more is pathological; treat the row as a dead end. */
    static final int MAX_ITEMS_PER_ROW = 200_000;

    private final Grammar grammar;
    private final Lexer lexer;

    EarleyParser(Grammar grammar, Lexer lexer) {
        this.grammar = grammar;
        this.lexer = lexer;
    }

    EarleyRow initial() {
        return close(new EarleyRow[0], 0, new long[] {EarleyRow.item(grammar.startProduction, 0, 0)}, 1);
    }

    /** The row after {@code row} reading any of the (sorted) {@code terminals}, or null if none is expected. */
    EarleyRow scan(EarleyRow[] chart, EarleyRow row, int[] terminals) {
        long[] kernel = new long[8];
        int n = 0;
        for (long it : row.items) {
            int p = EarleyRow.production(it), d = EarleyRow.dot(it);
            int[] r = grammar.rhs[p];
            if (d >= r.length || r[d] >= 0) continue;
            if (Arrays.binarySearch(terminals, Grammar.terminalOf(r[d])) < 0) continue;
            if (n == kernel.length) kernel = Arrays.copyOf(kernel, n * 2);
            kernel[n++] = EarleyRow.item(p, d + 1, EarleyRow.origin(it));
        }
        if (n == 0) return null;
        return close(chart, row.index + 1, kernel, n);
    }

    /** Memoized {@link #scan} for the terminals complete under lexer accept key {@code key}. */
    EarleyRow advance(EarleyRow[] chart, EarleyRow row, long key) {
        EarleyRow m = row.memo(key);
        if (m != null) return m == EarleyRow.FAILED ? null : m;
        EarleyRow next = scan(chart, row, lexer.acceptedTerminals(key));
        row.remember(key, next);
        return next;
    }

    private EarleyRow close(EarleyRow[] chart, int index, long[] kernel, int kernelSize) {
        LongSet seen = new LongSet(Math.max(16, kernelSize * 4));
        long[] items = new long[Math.max(16, kernelSize * 2)];
        int n = 0;
        for (int i = 0; i < kernelSize; i++) {
            if (seen.add(kernel[i])) items[n++] = kernel[i];
        }
        int[][] rhs = grammar.rhs;
        for (int w = 0; w < n; w++) {
            long it = items[w];
            int p = EarleyRow.production(it), d = EarleyRow.dot(it), o = EarleyRow.origin(it);
            int[] r = rhs[p];
            long[] add;
            if (d < r.length) {
                int sym = r[d];
                if (sym < 0) continue;
                int[] prods = grammar.productionsOf[sym];
                int need = prods.length + 1;
                if (n + need > items.length) items = Arrays.copyOf(items, Math.max(items.length * 2, n + need));
                for (int q : prods) {
                    long ni = EarleyRow.item(q, 0, index);
                    if (seen.add(ni)) items[n++] = ni;
                }
                if (grammar.nullable[sym]) {
                    long ni = EarleyRow.item(p, d + 1, o);
                    if (seen.add(ni)) items[n++] = ni;
                }
            } else if (o < index) {
                int a = grammar.lhs[p];
                long[] waiting = chart[o].waiting(a);
                if (waiting == null) continue;
                if (n + waiting.length > items.length) items = Arrays.copyOf(items, Math.max(items.length * 2, n + waiting.length));
                for (long wi : waiting) {
                    long ni = EarleyRow.item(EarleyRow.production(wi), EarleyRow.dot(wi) + 1, EarleyRow.origin(wi));
                    if (seen.add(ni)) items[n++] = ni;
                }
            }
            if (n > MAX_ITEMS_PER_ROW) throw new IllegalStateException("grammar too ambiguous: Earley row over " + MAX_ITEMS_PER_ROW + " items");
        }
        items = Arrays.copyOf(items, n);
        // Expected terminals, acceptance, and the completion index.
        int[] terms = new int[8];
        int nt = 0;
        boolean accepting = false;
        int[] waitSyms = new int[n];
        int nw = 0;
        for (long it : items) {
            int p = EarleyRow.production(it), d = EarleyRow.dot(it);
            int[] r = rhs[p];
            if (d < r.length) {
                if (r[d] < 0) {
                    if (nt == terms.length) terms = Arrays.copyOf(terms, nt * 2);
                    terms[nt++] = Grammar.terminalOf(r[d]);
                } else waitSyms[nw++] = r[d];
            } else if (p == grammar.startProduction && EarleyRow.origin(it) == 0) {
                accepting = true;
            }
        }
        int[] terminals = distinctSorted(terms, nt);
        int[] waitingFor = distinctSorted(waitSyms, nw);
        long[][] waitingItems = new long[waitingFor.length][];
        int[] counts = new int[waitingFor.length];
        for (long it : items) {
            int p = EarleyRow.production(it), d = EarleyRow.dot(it);
            int[] r = rhs[p];
            if (d < r.length && r[d] >= 0) counts[Arrays.binarySearch(waitingFor, r[d])]++;
        }
        for (int i = 0; i < waitingFor.length; i++) waitingItems[i] = new long[counts[i]];
        Arrays.fill(counts, 0);
        for (long it : items) {
            int p = EarleyRow.production(it), d = EarleyRow.dot(it);
            int[] r = rhs[p];
            if (d < r.length && r[d] >= 0) {
                int k = Arrays.binarySearch(waitingFor, r[d]);
                waitingItems[k][counts[k]++] = it;
            }
        }
        return new EarleyRow(index, items, terminals, accepting, lexer.start(terminals), waitingFor, waitingItems);
    }

    private static int[] distinctSorted(int[] a, int n) {
        int[] s = Arrays.copyOf(a, n);
        Arrays.sort(s);
        int k = 0;
        for (int i = 0; i < n; i++) if (k == 0 || s[k - 1] != s[i]) s[k++] = s[i];
        return Arrays.copyOf(s, k);
    }

    /** Open-addressing set of non-negative longs. */
    private static final class LongSet {
        private long[] table;
        private int size;

        LongSet(int capacity) {
            table = new long[Integer.highestOneBit(capacity * 2 - 1) << 1];
            Arrays.fill(table, -1);
        }

        boolean add(long v) {
            if (size * 2 >= table.length) grow();
            int mask = table.length - 1;
            int i = (int) (mix(v) & mask);
            while (table[i] != -1) {
                if (table[i] == v) return false;
                i = (i + 1) & mask;
            }
            table[i] = v;
            size++;
            return true;
        }

        private void grow() {
            long[] old = table;
            table = new long[old.length * 2];
            Arrays.fill(table, -1);
            size = 0;
            for (long v : old) if (v != -1) add(v);
        }

        private static long mix(long v) {
            v *= 0x9E3779B97F4A7C15L;
            return v ^ (v >>> 29);
        }
    }
}
