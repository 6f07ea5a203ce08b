package io.qwen4j.template;

import java.util.List;

/** Expression nodes of a parsed template (Jinja2's expression AST). */
sealed interface Expr {
    int line();

    record Const(Object value, int line) implements Expr { }

    record Name(String name, int line) implements Expr { }

    record ListLiteral(List<Expr> items, int line) implements Expr { }

    record TupleLiteral(List<Expr> items, int line) implements Expr { }

    record DictLiteral(List<Expr> keys, List<Expr> values, int line) implements Expr { }

    /** {@code obj.name}: attribute first, then item. */
    record GetAttr(Expr obj, String name, int line) implements Expr { }

    /** {@code obj[key]}: item first, then attribute. */
    record GetItem(Expr obj, Expr key, int line) implements Expr { }

    /** {@code start:stop:step} inside a subscript; any part may be null. */
    record Slice(Expr start, Expr stop, Expr step, int line) implements Expr { }

    record Keyword(String name, Expr value) { }

    /** Arguments of a call, filter or test. */
    record Args(List<Expr> positional, List<Keyword> keywords, Expr starArgs, Expr starKwargs) {
        static final Args NONE = new Args(List.of(), List.of(), null, null);
    }

    record Call(Expr callee, Args args, int line) implements Expr { }

    /** {@code value | name(args)}; value is null in a {@code {% filter %}} block or {@code {% set %}} block. */
    record Filter(Expr value, String name, Args args, int line) implements Expr { }

    record Test(Expr value, String name, Args args, boolean negated, int line) implements Expr { }

    enum BinaryOp { ADD, SUB, MUL, DIV, FLOORDIV, MOD, POW }

    record Binary(BinaryOp op, Expr left, Expr right, int line) implements Expr { }

    /** {@code a ~ b ~ c}: everything converted with str() and joined. */
    record Concat(List<Expr> parts, int line) implements Expr { }

    record Negate(Expr operand, int line) implements Expr { }

    record Plus(Expr operand, int line) implements Expr { }

    record Not(Expr operand, int line) implements Expr { }

    record And(Expr left, Expr right, int line) implements Expr { }

    record Or(Expr left, Expr right, int line) implements Expr { }

    enum CompareOp { EQ, NE, LT, LE, GT, GE, IN, NOT_IN }

    record Comparison(CompareOp op, Expr right) { }

    /** Chained comparison {@code a < b <= c}. */
    record Compare(Expr first, List<Comparison> rest, int line) implements Expr { }

    /** {@code then if test else otherwise}; otherwise may be null (yields undefined). */
    record Conditional(Expr test, Expr then, Expr otherwise, int line) implements Expr { }
}
