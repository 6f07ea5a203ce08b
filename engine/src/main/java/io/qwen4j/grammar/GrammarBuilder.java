package io.qwen4j.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Accumulates nonterminals, productions and terminals; {@link #build} removes unproductive symbols, adds
 * the augmented start and checks the size limits that keep hostile schemas from exhausting memory.
 */
final class GrammarBuilder {
    static final int MAX_PRODUCTIONS = 200_000;
    static final int MAX_SYMBOLS = 2_000_000;

    private final List<String> names = new ArrayList<>();
    private final List<Integer> lhs = new ArrayList<>();
    private final List<int[]> rhs = new ArrayList<>();
    private final List<ByteLexeme> lexemes = new ArrayList<>();
    private final List<Integer> specialTokens = new ArrayList<>();
    private final Map<String, Integer> terminalIds = new HashMap<>();
    private long symbolCount;

    int nonterminal(String name) {
        names.add(name);
        return names.size() - 1;
    }

    /** Adds {@code lhs -> symbols}; symbols from {@link #terminal} / {@link #specialToken} or nonterminals. */
    void production(int lhsNt, int... symbols) {
        if (rhs.size() >= MAX_PRODUCTIONS) throw new UnsupportedSchemaException("limits", "schema too large: grammar exceeds " + MAX_PRODUCTIONS + " productions");
        symbolCount += symbols.length + 1;
        if (symbolCount > MAX_SYMBOLS) throw new UnsupportedSchemaException("limits", "schema too large: grammar exceeds " + MAX_SYMBOLS + " symbols");
        if (symbols.length > 4000) throw new UnsupportedSchemaException("limits", "schema too large: a sequence of " + symbols.length + " elements");
        lhs.add(lhsNt);
        rhs.add(symbols.clone());
    }

    /** The terminal symbol for a byte lexeme, shared by key. */
    int terminal(ByteLexeme lexeme) {
        Integer id = terminalIds.get(lexeme.key());
        if (id == null) {
            id = lexemes.size();
            lexemes.add(lexeme);
            specialTokens.add(-1);
            terminalIds.put(lexeme.key(), id);
        }
        return Grammar.symbolOfTerminal(id);
    }

    /** The terminal symbol for one special (added) token of the vocabulary. */
    int specialToken(int tokenId) {
        String key = "\u0000token:" + tokenId;
        Integer id = terminalIds.get(key);
        if (id == null) {
            id = lexemes.size();
            lexemes.add(null);
            specialTokens.add(tokenId);
            terminalIds.put(key, id);
        }
        return Grammar.symbolOfTerminal(id);
    }

    int nonterminalCount() {
        return names.size();
    }

    Grammar build(int start) {
        int nn = names.size();
        int np = rhs.size();
        // Productive nonterminals: worklist over productions counting their not-yet-productive symbols.
        boolean[] productive = fixpoint(nn, lhs.stream().mapToInt(Integer::intValue).toArray(), rhs.toArray(int[][]::new),
                s -> s < 0 && terminalProductive(Grammar.terminalOf(s)));
        if (!productive[start]) throw new UnsupportedSchemaException("schema", "the schema allows no value");
        // Reachable nonterminals from start through productive productions.
        boolean[] reachable = new boolean[nn];
        List<List<Integer>> byLhs = new ArrayList<>();
        for (int i = 0; i < nn; i++) byLhs.add(new ArrayList<>());
        for (int p = 0; p < np; p++) if (productionUsable(p, productive)) byLhs.get(lhs.get(p)).add(p);
        java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>();
        reachable[start] = true;
        work.add(start);
        while (!work.isEmpty()) {
            int a = work.poll();
            for (int p : byLhs.get(a)) for (int s : rhs.get(p)) if (s >= 0 && !reachable[s]) { reachable[s] = true; work.add(s); }
        }
        // Renumber: kept nonterminals, plus the augmented start at the end.
        int[] renum = new int[nn];
        List<String> keptNames = new ArrayList<>();
        for (int i = 0; i < nn; i++) renum[i] = reachable[i] ? addName(keptNames, names.get(i)) : -1;
        int augmented = addName(keptNames, "start'");
        List<Integer> keptLhs = new ArrayList<>();
        List<int[]> keptRhs = new ArrayList<>();
        for (int p = 0; p < np; p++) {
            int a = lhs.get(p);
            if (!reachable[a] || !productionUsable(p, productive)) continue;
            int[] r = rhs.get(p).clone();
            for (int i = 0; i < r.length; i++) if (r[i] >= 0) r[i] = renum[r[i]];
            keptLhs.add(renum[a]);
            keptRhs.add(r);
        }
        keptLhs.add(augmented);
        keptRhs.add(new int[] {renum[start]});
        int startProduction = keptRhs.size() - 1;
        int n = keptNames.size();
        int[] lhsArr = keptLhs.stream().mapToInt(Integer::intValue).toArray();
        int[][] rhsArr = keptRhs.toArray(int[][]::new);
        int[] counts = new int[n];
        for (int a : lhsArr) counts[a]++;
        int[][] prodsOf = new int[n][];
        for (int i = 0; i < n; i++) prodsOf[i] = new int[counts[i]];
        Arrays.fill(counts, 0);
        for (int p = 0; p < lhsArr.length; p++) prodsOf[lhsArr[p]][counts[lhsArr[p]]++] = p;
        boolean[] nullable = fixpoint(n, lhsArr, rhsArr, sym -> false);
        return new Grammar(keptNames.toArray(String[]::new), lhsArr, rhsArr, prodsOf, nullable, startProduction,
                lexemes.toArray(ByteLexeme[]::new), specialTokens.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * Least fixpoint: a nonterminal is marked when some production has every symbol marked, where
     * terminals are marked by {@code terminalMarked} (productive) or never (nullable). Linear time.
     */
    private static boolean[] fixpoint(int n, int[] lhsArr, int[][] rhsArr, java.util.function.IntPredicate terminalMarked) {
        boolean[] marked = new boolean[n];
        int[] pending = new int[rhsArr.length];
        List<List<Integer>> users = new ArrayList<>();
        for (int i = 0; i < n; i++) users.add(new ArrayList<>());
        java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>();
        for (int p = 0; p < rhsArr.length; p++) {
            for (int sym : rhsArr[p]) {
                if (sym >= 0) { pending[p]++; users.get(sym).add(p); }
                else if (!terminalMarked.test(sym)) pending[p] = Integer.MAX_VALUE / 2;
            }
            if (pending[p] == 0 && !marked[lhsArr[p]]) { marked[lhsArr[p]] = true; work.add(lhsArr[p]); }
        }
        while (!work.isEmpty()) {
            int a = work.poll();
            for (int p : users.get(a)) {
                if (--pending[p] == 0 && !marked[lhsArr[p]]) { marked[lhsArr[p]] = true; work.add(lhsArr[p]); }
            }
        }
        return marked;
    }

    private boolean productionUsable(int p, boolean[] productive) {
        for (int s : rhs.get(p)) if (s >= 0 ? !productive[s] : !terminalProductive(Grammar.terminalOf(s))) return false;
        return true;
    }

    private boolean terminalProductive(int t) {
        ByteLexeme l = lexemes.get(t);
        return l == null || !l.isEmpty();
    }

    private static int addName(List<String> names, String name) {
        names.add(name);
        return names.size() - 1;
    }
}
