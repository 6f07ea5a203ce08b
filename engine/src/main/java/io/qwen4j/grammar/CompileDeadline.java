package io.qwen4j.grammar;

import java.util.function.Supplier;

/**
 * The wall-clock deadline of the schema or tool-set compile running on this thread. Compilation spans the
 * schema translation, the automata of its lexemes, the lexer and parser, and the first token mask, several
 * of which are built through process-wide caches; a thread-local deadline reaches all of them without
 * threading it through every cache. Outside a compile {@link #check()} does nothing.
 */
final class CompileDeadline {
    private static final ThreadLocal<long[]> DEADLINE = new ThreadLocal<>();

    private CompileDeadline() {
    }

    /** Runs {@code compile} with a deadline {@code budgetNanos} from now (or the enclosing compile's, if earlier). */
    static <T> T within(long budgetNanos, Supplier<T> compile) {
        long[] outer = DEADLINE.get();
        long deadline = System.nanoTime() + budgetNanos;
        if (outer != null && outer[0] - deadline < 0) deadline = outer[0];
        DEADLINE.set(new long[] {deadline});
        try {
            return compile.get();
        } finally {
            if (outer == null) DEADLINE.remove();
            else DEADLINE.set(outer);
        }
    }

    /** @throws UnsupportedSchemaException ("limits") once the deadline has passed */
    static void check() {
        long[] d = DEADLINE.get();
        if (d != null && System.nanoTime() - d[0] > 0) {
            throw new UnsupportedSchemaException("limits", "schema too complex: compile time budget of "
                    + JsonSchemaGrammar.COMPILE_BUDGET_NANOS / 1_000_000_000 + " s exceeded");
        }
    }
}
