package io.qwen4j.template;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Executes statement nodes and evaluates expressions with Python/Jinja2 semantics. */
final class Interpreter {
    /** How a statement list finished: normally, or by {@code break}/{@code continue}. */
    enum Signal { NORMAL, BREAK, CONTINUE }

    private final RenderContext ctx;

    Interpreter(RenderContext ctx) {
        this.ctx = ctx;
    }

    // ---- statements ----

    Signal exec(List<Node> nodes, Scope scope, StringBuilder out) {
        for (int i = 0, n = nodes.size(); i < n; i++) {
            Signal s = exec(nodes.get(i), scope, out);
            if (s != Signal.NORMAL) return s;
        }
        return Signal.NORMAL;
    }

    private Signal exec(Node node, Scope scope, StringBuilder out) {
        switch (node) {
            case Node.Text t -> {
                out.append(t.text());
                RenderContext.checkOutput(out);
            }
            case Node.Print p -> {
                PyRepr.appendStr(out, eval(p.expr(), scope));
                RenderContext.checkOutput(out);
            }
            case Node.If i -> {
                for (Node.Branch b : i.branches()) {
                    if (PyOps.truthy(eval(b.test(), scope))) return exec(b.body(), scope, out);
                }
                return exec(i.otherwise(), scope, out);
            }
            case Node.For f -> {
                runFor(f, eval(f.iterable(), scope), scope, out, 0);
            }
            case Node.Set s -> assign(s.target(), eval(s.value(), scope), scope);
            case Node.SetBlock s -> {
                StringBuilder body = new StringBuilder();
                exec(s.body(), new Scope(scope), body);
                Object value = body.toString();
                if (s.filter() != null) value = applyFilterChain(s.filter(), value, scope);
                assign(s.target(), value, scope);
            }
            case Node.Macro m -> scope.set(m.name(), newMacro(m, scope));
            case Node.CallBlock c -> {
                Node.Macro callerDef = new Node.Macro("caller", c.params(), c.body(), false, false, false, c.line());
                Macro caller = newMacro(callerDef, scope);
                Object callee = eval(c.call().callee(), scope);
                List<Object> args = new ArrayList<>();
                Map<String, Object> kwargs = new LinkedHashMap<>();
                evalArgs(c.call().args(), scope, args, kwargs);
                kwargs.put("caller", caller);
                PyRepr.appendStr(out, call(callee, args, kwargs));
                RenderContext.checkOutput(out);
            }
            case Node.FilterBlock f -> {
                StringBuilder body = new StringBuilder();
                exec(f.body(), new Scope(scope), body);
                PyRepr.appendStr(out, applyFilterChain(f.filter(), body.toString(), scope));
                RenderContext.checkOutput(out);
            }
            case Node.With w -> {
                Scope inner = new Scope(scope);
                for (int i = 0; i < w.targets().size(); i++) assign(w.targets().get(i), eval(w.values().get(i), scope), inner);
                return exec(w.body(), inner, out);
            }
            case Node.Break b -> {
                return Signal.BREAK;
            }
            case Node.Continue c -> {
                return Signal.CONTINUE;
            }
        }
        return Signal.NORMAL;
    }

    private Macro newMacro(Node.Macro m, Scope scope) {
        return new Macro(m, scope, m.usesVarargs(), m.usesKwargs(), m.usesCaller());
    }

    private void runFor(Node.For f, Object iterable, Scope scope, StringBuilder out, int depth) {
        if (iterable instanceof Undefined) iterable = List.of();
        List<Object> items = PyOps.asList(iterable);
        if (f.condition() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                ctx.countIteration();
                Scope probe = new Scope(scope);
                assign(f.target(), item, probe);
                if (PyOps.truthy(eval(f.condition(), probe))) kept.add(item);
            }
            items = kept;
        }
        if (items.isEmpty()) {
            exec(f.otherwise(), scope, out);
            return;
        }
        PyCallable recurse = f.recursive() ? (c, args, kwargs) -> {
            if (args.size() != 1) throw PyTypes.typeError("loop() takes exactly one argument");
            StringBuilder sb = new StringBuilder();
            ctx.enterMacro("loop");
            try {
                runFor(f, args.getFirst(), scope, sb, depth + 1);
            } finally {
                ctx.exitMacro();
            }
            return sb.toString();
        } : null;
        LoopContext loop = new LoopContext(items, depth, recurse);
        for (int i = 0; i < items.size(); i++) {
            ctx.countIteration();
            loop.index0 = i;
            Scope iterScope = new Scope(scope);
            iterScope.set("loop", loop);
            assign(f.target(), items.get(i), iterScope);
            if (exec(f.body(), iterScope, out) == Signal.BREAK) break;
        }
    }

    private void assign(Node.Target target, Object value, Scope scope) {
        switch (target) {
            case Node.NameTarget n -> scope.set(n.name(), value);
            case Node.TupleTarget t -> {
                List<Object> values = PyOps.toList(value);
                int n = t.items().size();
                if (values.size() > n) {
                    throw new TemplateException("ValueError: too many values to unpack (expected " + n + ")");
                }
                if (values.size() < n) {
                    throw new TemplateException("ValueError: not enough values to unpack (expected " + n + ", got " + values.size() + ")");
                }
                for (int i = 0; i < n; i++) assign(t.items().get(i), values.get(i), scope);
            }
            case Node.NamespaceTarget ns -> {
                Object obj = scope.lookup(ns.namespace());
                if (!(obj instanceof Namespace namespace)) {
                    throw new TemplateException("TemplateRuntimeError: cannot assign attribute on non-namespace object");
                }
                namespace.attributes.put(ns.attr(), value);
            }
        }
    }

    // ---- macros ----

    Object callMacro(Macro macro, List<Object> args, Map<String, Object> kwargs) {
        Node.Macro def = macro.definition();
        List<Node.Param> params = def.params();
        Scope scope = new Scope(macro.scope());
        if (args.size() > params.size() && !macro.catchVarargs()) {
            throw PyTypes.typeError("macro '" + def.name() + "' takes not more than " + params.size() + " argument(s)");
        }
        Map<String, Object> extraKwargs = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : kwargs.entrySet()) {
            String k = e.getKey();
            boolean isParam = false;
            for (int i = 0; i < params.size(); i++) {
                if (params.get(i).name().equals(k)) {
                    if (i < args.size()) throw PyTypes.typeError("macro '" + def.name() + "' got multiple values for argument '" + k + "'");
                    isParam = true;
                    break;
                }
            }
            if (isParam) continue;
            if (k.equals("caller") && macro.acceptsCaller()) continue;
            if (!macro.catchKwargs()) throw PyTypes.typeError("macro '" + def.name() + "' takes no keyword argument '" + k + "'");
            extraKwargs.put(k, e.getValue());
        }
        ctx.enterMacro(def.name());
        try {
            for (int i = 0; i < params.size(); i++) {
                Node.Param p = params.get(i);
                Object value;
                if (i < args.size()) value = args.get(i);
                else if (kwargs.containsKey(p.name())) value = kwargs.get(p.name());
                else if (p.defaultValue() != null) value = eval(p.defaultValue(), scope);
                else value = Undefined.withHint("parameter '" + p.name() + "' was not provided");
                scope.set(p.name(), value);
            }
            if (macro.catchVarargs()) {
                scope.set("varargs", args.size() > params.size()
                        ? new PyTuple(List.copyOf(args.subList(params.size(), args.size()))) : PyTuple.EMPTY);
            }
            if (macro.catchKwargs()) scope.set("kwargs", extraKwargs);
            if (macro.acceptsCaller()) {
                Object caller = kwargs.get("caller");
                scope.set("caller", caller != null ? caller : Undefined.withHint("No caller defined"));
            }
            StringBuilder out = new StringBuilder();
            exec(def.body(), scope, out);
            return out.toString();
        } finally {
            ctx.exitMacro();
        }
    }

    // ---- expressions ----

    Object eval(Expr expr, Scope scope) {
        switch (expr) {
            case Expr.Const c -> {
                return c.value();
            }
            case Expr.Name n -> {
                Object v = scope.lookup(n.name());
                return v == PyOps.MISSING ? Undefined.named(n.name()) : v;
            }
            case Expr.GetAttr g -> {
                return PyAttributes.getAttr(eval(g.obj(), scope), g.name());
            }
            case Expr.GetItem g -> {
                Object obj = eval(g.obj(), scope);
                Object key = eval(g.key(), scope);
                // Jinja2 compiles x[a:b] to a plain Python subscript: no undefined fallback.
                if (key instanceof PySlice slice) return PyAttributes.slice(obj, slice);
                return PyAttributes.getItem(obj, key);
            }
            case Expr.Slice s -> {
                return new PySlice(evalOrNull(s.start(), scope), evalOrNull(s.stop(), scope), evalOrNull(s.step(), scope));
            }
            case Expr.Binary b -> {
                Object l = eval(b.left(), scope);
                Object r = eval(b.right(), scope);
                return switch (b.op()) {
                    case ADD -> PyOps.add(l, r);
                    case SUB -> PyOps.sub(l, r);
                    case MUL -> PyOps.mul(l, r);
                    case DIV -> PyOps.div(l, r);
                    case FLOORDIV -> PyOps.floorDiv(l, r);
                    case MOD -> PyOps.mod(l, r);
                    case POW -> PyOps.pow(l, r);
                };
            }
            case Expr.Compare c -> {
                return compare(c, scope);
            }
            case Expr.And a -> {
                Object l = eval(a.left(), scope);
                return PyOps.truthy(l) ? eval(a.right(), scope) : l;
            }
            case Expr.Or o -> {
                Object l = eval(o.left(), scope);
                return PyOps.truthy(l) ? l : eval(o.right(), scope);
            }
            case Expr.Not n -> {
                return !PyOps.truthy(eval(n.operand(), scope));
            }
            case Expr.Test t -> {
                boolean r = BuiltinTests.test(t.name(), eval(t.value(), scope), evalArgList(t.args(), scope), ctx);
                return t.negated() != r;
            }
            case Expr.Filter f -> {
                return applyFilterChain(f, null, scope);
            }
            case Expr.Call c -> {
                Object callee = eval(c.callee(), scope);
                List<Object> args = new ArrayList<>(c.args().positional().size());
                Map<String, Object> kwargs = c.args().keywords().isEmpty() && c.args().starKwargs() == null
                        ? Map.of() : new LinkedHashMap<>();
                evalArgs(c.args(), scope, args, kwargs);
                return call(callee, args, kwargs);
            }
            case Expr.Concat c -> {
                StringBuilder sb = new StringBuilder();
                for (Expr part : c.parts()) {
                    PyRepr.appendStr(sb, eval(part, scope));
                    RenderContext.checkOutput(sb);
                }
                return sb.toString();
            }
            case Expr.Conditional c -> {
                if (PyOps.truthy(eval(c.test(), scope))) return eval(c.then(), scope);
                if (c.otherwise() != null) return eval(c.otherwise(), scope);
                return Undefined.withHint("the inline if-expression on line " + c.line()
                        + " evaluated to false and no else section was defined.");
            }
            case Expr.ListLiteral l -> {
                List<Object> out = new ArrayList<>(l.items().size());
                for (Expr item : l.items()) out.add(eval(item, scope));
                return out;
            }
            case Expr.TupleLiteral t -> {
                List<Object> out = new ArrayList<>(t.items().size());
                for (Expr item : t.items()) out.add(eval(item, scope));
                return new PyTuple(java.util.Collections.unmodifiableList(out));
            }
            case Expr.DictLiteral d -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    Object k = eval(d.keys().get(i), scope);
                    PyOps.dictPut(out, k, eval(d.values().get(i), scope));
                }
                return out;
            }
            case Expr.Negate n -> {
                return PyOps.negate(eval(n.operand(), scope));
            }
            case Expr.Plus p -> {
                return PyOps.plus(eval(p.operand(), scope));
            }
        }
    }

    private Object evalOrNull(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private Object compare(Expr.Compare c, Scope scope) {
        Object left = eval(c.first(), scope);
        for (Expr.Comparison cmp : c.rest()) {
            Object right = eval(cmp.right(), scope);
            boolean ok = switch (cmp.op()) {
                case EQ -> PyOps.eq(left, right);
                case NE -> !PyOps.eq(left, right);
                case LT -> PyOps.compare(left, right, "<") < 0;
                case LE -> PyOps.compare(left, right, "<=") <= 0;
                case GT -> PyOps.compare(left, right, ">") > 0;
                case GE -> PyOps.compare(left, right, ">=") >= 0;
                case IN -> PyOps.contains(right, left);
                case NOT_IN -> !PyOps.contains(right, left);
            };
            if (!ok) return false;
            left = right;
        }
        return true;
    }

    private void evalArgs(Expr.Args a, Scope scope, List<Object> args, Map<String, Object> kwargs) {
        for (Expr e : a.positional()) args.add(eval(e, scope));
        if (a.starArgs() != null) {
            Iterator<Object> it = PyOps.iterate(eval(a.starArgs(), scope));
            while (it.hasNext()) args.add(it.next());
        }
        for (Expr.Keyword k : a.keywords()) kwargs.put(k.name(), eval(k.value(), scope));
        if (a.starKwargs() != null) {
            Object m = eval(a.starKwargs(), scope);
            if (!(m instanceof Map<?, ?> map)) throw PyTypes.typeError("argument after ** must be a mapping, not " + PyTypes.typeName(m));
            map.forEach((k, v) -> {
                if (!(k instanceof String s)) throw PyTypes.typeError("keywords must be strings");
                kwargs.put(s, v);
            });
        }
    }

    private Arguments evalArgList(Expr.Args a, Scope scope) {
        if (a == Expr.Args.NONE) return Arguments.NONE;
        List<Object> args = new ArrayList<>();
        Map<String, Object> kwargs = new LinkedHashMap<>();
        evalArgs(a, scope, args, kwargs);
        return new Arguments(args, kwargs);
    }

    /** Applies a filter chain; the innermost filter's value is {@code base} when its expression is null. */
    private Object applyFilterChain(Expr.Filter f, Object base, Scope scope) {
        Object value;
        if (f.value() == null) value = base;
        else if (f.value() instanceof Expr.Filter inner) value = applyFilterChain(inner, base, scope);
        else value = eval(f.value(), scope);
        return BuiltinFilters.apply(f.name(), value, evalArgList(f.args(), scope), ctx);
    }

    Object call(Object callee, List<Object> args, Map<String, Object> kwargs) {
        if (callee instanceof PyCallable c) return c.call(ctx, args, kwargs);
        if (callee instanceof Undefined u) throw u.error();
        throw PyTypes.typeError("'" + PyTypes.typeName(callee) + "' object is not callable");
    }
}
