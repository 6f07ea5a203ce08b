package io.qwen4j.grammar;

/**
 * A context-free grammar over lexemes, ready for the {@link EarleyParser}: productions as symbol arrays
 * (nonterminal n ≥ 0, terminal t as {@code -1 - t}), terminals as byte lexemes or special tokens, an
 * augmented start production, nullable flags. Unproductive symbols have been removed. Immutable.
 */
final class Grammar {
    final String[] names;
    final int[] lhs;
    final int[][] rhs;
    final int[][] productionsOf;
    final boolean[] nullable;
    /** The augmented start production {@code S' -> S}. */
    final int startProduction;
    final ByteLexeme[] lexemes;
    /** For each terminal, the token id it stands for when it is a special token, else -1. */
    final int[] specialTokenOf;

    Grammar(String[] names, int[] lhs, int[][] rhs, int[][] productionsOf, boolean[] nullable, int startProduction,
            ByteLexeme[] lexemes, int[] specialTokenOf) {
        this.names = names;
        this.lhs = lhs;
        this.rhs = rhs;
        this.productionsOf = productionsOf;
        this.nullable = nullable;
        this.startProduction = startProduction;
        this.lexemes = lexemes;
        this.specialTokenOf = specialTokenOf;
    }

    static boolean isTerminal(int symbol) {
        return symbol < 0;
    }

    static int terminalOf(int symbol) {
        return -1 - symbol;
    }

    static int symbolOfTerminal(int terminal) {
        return -1 - terminal;
    }

    int productionCount() {
        return rhs.length;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int p = 0; p < rhs.length; p++) {
            sb.append(names[lhs[p]]).append(" ->");
            for (int s : rhs[p]) {
                if (s >= 0) sb.append(' ').append(names[s]);
                else {
                    int t = terminalOf(s);
                    sb.append(' ').append(lexemes[t] != null ? "<" + lexemes[t].key() + ">" : "<token " + specialTokenOf[t] + ">");
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
