package io.qwen4j.template;

import java.util.List;

/** Statement nodes of a parsed template. */
sealed interface Node {
    record Text(String text) implements Node { }

    record Print(Expr expr) implements Node { }

    record Branch(Expr test, List<Node> body) { }

    record If(List<Branch> branches, List<Node> otherwise) implements Node { }

    record For(Target target, Expr iterable, Expr condition, List<Node> body, List<Node> otherwise,
               boolean recursive, int line) implements Node { }

    record Set(Target target, Expr value, int line) implements Node { }

    /** {@code {% set x | filters %}body{% endset %}}; filter is a chain whose innermost value is null. */
    record SetBlock(Target target, Expr.Filter filter, List<Node> body, int line) implements Node { }

    record Param(String name, Expr defaultValue) { }

    /** The uses* flags say whether the body reads {@code caller}, {@code varargs} or {@code kwargs}. */
    record Macro(String name, List<Param> params, List<Node> body, boolean usesCaller, boolean usesVarargs,
                 boolean usesKwargs, int line) implements Node { }

    /** {@code {% call(params) callee(args) %}body{% endcall %}}. */
    record CallBlock(Expr.Call call, List<Param> params, List<Node> body, int line) implements Node { }

    record FilterBlock(Expr.Filter filter, List<Node> body, int line) implements Node { }

    record With(List<Target> targets, List<Expr> values, List<Node> body) implements Node { }

    record Break() implements Node { }

    record Continue() implements Node { }

    /** Assignment targets. */
    sealed interface Target { }

    record NameTarget(String name) implements Target { }

    record TupleTarget(List<Target> items) implements Target { }

    /** {@code ns.attr} in {@code {% set ns.attr = ... %}}. */
    record NamespaceTarget(String namespace, String attr) implements Target { }
}
