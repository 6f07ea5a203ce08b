package io.qwen4j.template;

import java.time.LocalDateTime;

/** Per-render state: the clock for strftime_now and the budgets that keep hostile templates bounded. */
final class RenderContext {
    /** Largest string a render may build (output, concatenation, repetition). */
    static final int MAX_OUTPUT_CHARS = 64 * 1024 * 1024;
    /** Total loop iterations per render. */
    static final long MAX_ITERATIONS = 10_000_000L;
    /** Nested macro calls; Python's recursion limit stops Jinja2 at roughly this depth. */
    static final int MAX_MACRO_DEPTH = 200;

    final LocalDateTime now;
    final Interpreter interpreter;
    private long iterations;
    private int macroDepth;

    RenderContext(LocalDateTime now) {
        this.now = now;
        this.interpreter = new Interpreter(this);
    }

    void countIteration() {
        if (++iterations > MAX_ITERATIONS) {
            throw new TemplateException("template exceeded the iteration budget of " + MAX_ITERATIONS + " loop iterations");
        }
    }

    void enterMacro(String name) {
        if (++macroDepth > MAX_MACRO_DEPTH) {
            macroDepth = 0;
            throw new TemplateException("RecursionError: maximum recursion depth exceeded (macro '" + name + "' nested more than "
                    + MAX_MACRO_DEPTH + " deep)");
        }
    }

    void exitMacro() {
        if (macroDepth > 0) macroDepth--;
    }

    static void checkOutput(StringBuilder sb) {
        if (sb.length() > MAX_OUTPUT_CHARS) {
            throw new TemplateException("template output exceeded " + MAX_OUTPUT_CHARS + " characters");
        }
    }

    static String checkedConcat(String a, String b) {
        if ((long) a.length() + b.length() > MAX_OUTPUT_CHARS) {
            throw new TemplateException("string exceeded " + MAX_OUTPUT_CHARS + " characters");
        }
        return a.concat(b);
    }
}
