package io.qwen4j.template;

import java.util.List;

/**
 * Jinja2's compile-time check for unknown filters and tests: one is an error when the template is
 * compiled, unless it sits inside an {@code if} statement or inline {@code if} of its frame ("soft
 * frame"); there it fails only when evaluated. Loop bodies, macros, call/filter/set blocks start new frames.
 */
final class UnknownNameCheck {
    private UnknownNameCheck() { }

    static void check(List<Node> body) {
        nodes(body, false);
    }

    private static void nodes(List<Node> body, boolean soft) {
        for (Node n : body) node(n, soft);
    }

    private static void node(Node n, boolean soft) {
        switch (n) {
            case Node.Text t -> { }
            case Node.Print p -> expr(p.expr(), soft);
            case Node.If i -> {
                for (Node.Branch b : i.branches()) {
                    expr(b.test(), true);
                    nodes(b.body(), true);
                }
                nodes(i.otherwise(), true);
            }
            case Node.For f -> {
                expr(f.iterable(), soft);
                expr(f.condition(), false);
                nodes(f.body(), false);
                nodes(f.otherwise(), false);
            }
            case Node.Set s -> expr(s.value(), soft);
            case Node.SetBlock s -> {
                expr(s.filter(), false);
                nodes(s.body(), false);
            }
            case Node.Macro m -> {
                m.params().forEach(p -> expr(p.defaultValue(), false));
                nodes(m.body(), false);
            }
            case Node.CallBlock c -> {
                expr(c.call(), soft);
                c.params().forEach(p -> expr(p.defaultValue(), false));
                nodes(c.body(), false);
            }
            case Node.FilterBlock f -> {
                expr(f.filter(), false);
                nodes(f.body(), false);
            }
            case Node.With w -> {
                w.values().forEach(v -> expr(v, soft));
                nodes(w.body(), false);
            }
            case Node.Break b -> { }
            case Node.Continue c -> { }
        }
    }

    private static void args(Expr.Args a, boolean soft) {
        a.positional().forEach(e -> expr(e, soft));
        a.keywords().forEach(k -> expr(k.value(), soft));
        expr(a.starArgs(), soft);
        expr(a.starKwargs(), soft);
    }

    private static void expr(Expr e, boolean soft) {
        if (e == null) return;
        switch (e) {
            case Expr.Const c -> { }
            case Expr.Name n -> { }
            case Expr.ListLiteral l -> l.items().forEach(x -> expr(x, soft));
            case Expr.TupleLiteral t -> t.items().forEach(x -> expr(x, soft));
            case Expr.DictLiteral d -> {
                d.keys().forEach(x -> expr(x, soft));
                d.values().forEach(x -> expr(x, soft));
            }
            case Expr.GetAttr g -> expr(g.obj(), soft);
            case Expr.GetItem g -> {
                expr(g.obj(), soft);
                expr(g.key(), soft);
            }
            case Expr.Slice s -> {
                expr(s.start(), soft);
                expr(s.stop(), soft);
                expr(s.step(), soft);
            }
            case Expr.Call c -> {
                expr(c.callee(), soft);
                args(c.args(), soft);
            }
            case Expr.Filter f -> {
                if (!soft && !BuiltinFilters.NAMES.contains(f.name())) {
                    throw new TemplateSyntaxException("No filter named '" + f.name() + "'.", f.line());
                }
                expr(f.value(), soft);
                args(f.args(), soft);
            }
            case Expr.Test t -> {
                if (!soft && !BuiltinTests.NAMES.contains(t.name())) {
                    throw new TemplateSyntaxException("No test named '" + t.name() + "'.", t.line());
                }
                expr(t.value(), soft);
                args(t.args(), soft);
            }
            case Expr.Binary b -> {
                expr(b.left(), soft);
                expr(b.right(), soft);
            }
            case Expr.Concat c -> c.parts().forEach(x -> expr(x, soft));
            case Expr.Negate n -> expr(n.operand(), soft);
            case Expr.Plus p -> expr(p.operand(), soft);
            case Expr.Not n -> expr(n.operand(), soft);
            case Expr.And a -> {
                expr(a.left(), soft);
                expr(a.right(), soft);
            }
            case Expr.Or o -> {
                expr(o.left(), soft);
                expr(o.right(), soft);
            }
            case Expr.Compare c -> {
                expr(c.first(), soft);
                c.rest().forEach(r -> expr(r.right(), soft));
            }
            case Expr.Conditional c -> {
                expr(c.test(), true);
                expr(c.then(), true);
                expr(c.otherwise(), true);
            }
        }
    }
}
