package io.qwen4j.template;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Collects the variable names an AST reads (used to know whether a macro takes caller/varargs/kwargs). */
final class NameCollector {
    private final Set<String> names = new HashSet<>();

    private NameCollector() { }

    static Set<String> referencedNames(List<Node> body) {
        NameCollector c = new NameCollector();
        c.nodes(body);
        return c.names;
    }

    private void nodes(List<Node> body) {
        for (Node n : body) node(n);
    }

    private void node(Node n) {
        switch (n) {
            case Node.Text t -> { }
            case Node.Print p -> expr(p.expr());
            case Node.If i -> {
                for (Node.Branch b : i.branches()) {
                    expr(b.test());
                    nodes(b.body());
                }
                nodes(i.otherwise());
            }
            case Node.For f -> {
                expr(f.iterable());
                expr(f.condition());
                nodes(f.body());
                nodes(f.otherwise());
            }
            case Node.Set s -> expr(s.value());
            case Node.SetBlock s -> {
                expr(s.filter());
                nodes(s.body());
            }
            case Node.Macro m -> {
                m.params().forEach(p -> expr(p.defaultValue()));
                nodes(m.body());
            }
            case Node.CallBlock c -> {
                expr(c.call());
                nodes(c.body());
            }
            case Node.FilterBlock f -> {
                expr(f.filter());
                nodes(f.body());
            }
            case Node.With w -> {
                w.values().forEach(this::expr);
                nodes(w.body());
            }
            case Node.Break b -> { }
            case Node.Continue c -> { }
        }
    }

    private void args(Expr.Args a) {
        a.positional().forEach(this::expr);
        a.keywords().forEach(k -> expr(k.value()));
        expr(a.starArgs());
        expr(a.starKwargs());
    }

    private void expr(Expr e) {
        if (e == null) return;
        switch (e) {
            case Expr.Const c -> { }
            case Expr.Name n -> names.add(n.name());
            case Expr.ListLiteral l -> l.items().forEach(this::expr);
            case Expr.TupleLiteral t -> t.items().forEach(this::expr);
            case Expr.DictLiteral d -> {
                d.keys().forEach(this::expr);
                d.values().forEach(this::expr);
            }
            case Expr.GetAttr g -> expr(g.obj());
            case Expr.GetItem g -> {
                expr(g.obj());
                expr(g.key());
            }
            case Expr.Slice s -> {
                expr(s.start());
                expr(s.stop());
                expr(s.step());
            }
            case Expr.Call c -> {
                expr(c.callee());
                args(c.args());
            }
            case Expr.Filter f -> {
                expr(f.value());
                args(f.args());
            }
            case Expr.Test t -> {
                expr(t.value());
                args(t.args());
            }
            case Expr.Binary b -> {
                expr(b.left());
                expr(b.right());
            }
            case Expr.Concat c -> c.parts().forEach(this::expr);
            case Expr.Negate n -> expr(n.operand());
            case Expr.Plus p -> expr(p.operand());
            case Expr.Not n -> expr(n.operand());
            case Expr.And a -> {
                expr(a.left());
                expr(a.right());
            }
            case Expr.Or o -> {
                expr(o.left());
                expr(o.right());
            }
            case Expr.Compare c -> {
                expr(c.first());
                c.rest().forEach(r -> expr(r.right()));
            }
            case Expr.Conditional c -> {
                expr(c.test());
                expr(c.then());
                expr(c.otherwise());
            }
        }
    }
}
