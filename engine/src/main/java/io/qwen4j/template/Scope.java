package io.qwen4j.template;

import java.util.HashMap;
import java.util.Map;

/**
 * One level of variable bindings. Lookups walk outwards; assignments always bind in this scope, which
 * gives Jinja2's rules: a {@code set} in a loop body or macro disappears when it ends, {@code if} has none.
 */
final class Scope {
    private final Scope parent;
    private Map<String, Object> vars;

    Scope(Scope parent) {
        this.parent = parent;
    }

    /** A scope over an existing map (the caller's variables, the globals): never written to. */
    Scope(Scope parent, Map<String, Object> vars) {
        this.parent = parent;
        this.vars = vars;
    }

    /** The bound value, or {@link PyOps#MISSING}. */
    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Map<String, Object> m = s.vars;
            if (m != null) {
                Object v = m.get(name);
                if (v != null || m.containsKey(name)) return v;
            }
        }
        return PyOps.MISSING;
    }

    void set(String name, Object value) {
        if (vars == null) vars = new HashMap<>(8);
        vars.put(name, value);
    }
}
