package io.qwen4j.template;

import io.qwen4j.template.Expr.Args;
import io.qwen4j.template.Expr.BinaryOp;
import io.qwen4j.template.Expr.CompareOp;
import io.qwen4j.template.Token.Kind;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Recursive-descent parser following Jinja2's grammar and operator precedence. */
final class TemplateParser {
    /** Nesting limit for expressions and blocks, so hostile input fails cleanly instead of overflowing the stack. */
    private static final int MAX_NESTING = 200;

    private final List<Token> tokens;
    private int index;
    private int depth;
    private int loopDepth;

    private TemplateParser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Node> parse(List<Token> tokens) {
        TemplateParser parser = new TemplateParser(tokens);
        List<Node> body = parser.subparse(Set.of());
        if (!parser.current().is(Kind.EOF)) throw parser.fail("unexpected " + parser.current().describe());
        UnknownNameCheck.check(body);
        return body;
    }

    // ---- token stream ----

    private Token current() {
        return tokens.get(index);
    }

    private Token look() {
        return tokens.get(Math.min(index + 1, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(index);
        if (index < tokens.size() - 1) index++;
        return t;
    }

    private TemplateSyntaxException fail(String msg) {
        return new TemplateSyntaxException(msg, current().line());
    }

    private Token expect(Kind kind) {
        Token t = current();
        if (!t.is(kind)) throw fail("expected token '" + kind.name().toLowerCase() + "', got '" + t.describe() + "'");
        return next();
    }

    private void expectOperator(String op) {
        if (!current().isOperator(op)) throw fail("expected token '" + op + "', got '" + current().describe() + "'");
        next();
    }

    private void expectName(String name) {
        if (!current().isName(name)) throw fail("expected token '" + name + "', got '" + current().describe() + "'");
        next();
    }

    private boolean skipOperator(String op) {
        if (current().isOperator(op)) {
            next();
            return true;
        }
        return false;
    }

    private boolean skipName(String name) {
        if (current().isName(name)) {
            next();
            return true;
        }
        return false;
    }

    private void enter() {
        if (++depth > MAX_NESTING) throw fail("template nesting too deep");
    }

    private void leave() {
        depth--;
    }

    // ---- statements ----

    /** Parses nodes until a block tag whose name is in endTokens (left current) or EOF. */
    private List<Node> subparse(Set<String> endTokens) {
        enter();
        List<Node> body = new ArrayList<>();
        while (!current().is(Kind.EOF)) {
            Token t = current();
            switch (t.kind()) {
                case DATA -> {
                    next();
                    body.add(new Node.Text(t.text()));
                }
                case VARIABLE_BEGIN -> {
                    next();
                    body.add(new Node.Print(parseTuple(false, true, Set.of(), false)));
                    expect(Kind.VARIABLE_END);
                }
                case BLOCK_BEGIN -> {
                    next();
                    if (current().is(Kind.NAME) && endTokens.contains(current().text())) {
                        leave();
                        return body;
                    }
                    Node stmt = parseStatement();
                    if (stmt != null) body.add(stmt);
                }
                default -> throw fail("unexpected " + t.describe());
            }
        }
        if (!endTokens.isEmpty()) {
            throw fail("Unexpected end of template. Jinja was looking for one of: "
                    + String.join(", ", endTokens.stream().sorted().toList()));
        }
        leave();
        return body;
    }

    /** After a statement header: expect %} and parse the body up to one of endTokens. */
    private List<Node> parseStatements(Set<String> endTokens, boolean dropNeedle) {
        skipOperator(":");
        expect(Kind.BLOCK_END);
        List<Node> body = subparse(endTokens);
        if (current().is(Kind.EOF)) throw fail("unexpected end of template");
        if (dropNeedle) next();
        return body;
    }

    private Node parseStatement() {
        Token t = current();
        if (!t.is(Kind.NAME)) throw fail("tag name expected");
        int line = t.line();
        switch (t.text()) {
            case "if" -> {
                return parseIf();
            }
            case "for" -> {
                return parseFor();
            }
            case "set" -> {
                return parseSet();
            }
            case "macro" -> {
                return parseMacro();
            }
            case "call" -> {
                return parseCallBlock();
            }
            case "filter" -> {
                next();
                Expr.Filter filter = parseFilterChain(null, true);
                List<Node> body = parseStatements(Set.of("endfilter"), true);
                expect(Kind.BLOCK_END);
                return new Node.FilterBlock(filter, body, line);
            }
            case "with" -> {
                return parseWith();
            }
            case "print" -> {
                next();
                Expr e = parseTuple(false, true, Set.of(), false);
                expect(Kind.BLOCK_END);
                return new Node.Print(e);
            }
            case "break", "continue" -> {
                next();
                if (loopDepth == 0) throw fail("'" + t.text() + "' outside of a loop");
                expect(Kind.BLOCK_END);
                return t.text().equals("break") ? new Node.Break() : new Node.Continue();
            }
            case "generation" -> {
                // transformers' AssistantTracker: the body renders unchanged.
                next();
                List<Node> body = parseStatements(Set.of("endgeneration"), true);
                expect(Kind.BLOCK_END);
                return new Node.With(List.of(), List.of(), body);
            }
            case "block", "extends", "include", "import", "from", "autoescape", "raw" ->
                    throw fail("tag '" + t.text() + "' is not supported");
            default -> throw fail("Encountered unknown tag '" + t.text() + "'.");
        }
    }

    private Node parseIf() {
        next();
        List<Node.Branch> branches = new ArrayList<>();
        List<Node> otherwise = List.of();
        while (true) {
            Expr test = parseTuple(false, false, Set.of(), false);
            List<Node> body = parseStatements(Set.of("elif", "else", "endif"), false);
            branches.add(new Node.Branch(test, body));
            Token t = next();
            if (t.text().equals("elif")) continue;
            if (t.text().equals("else")) otherwise = parseStatements(Set.of("endif"), true);
            break;
        }
        expect(Kind.BLOCK_END);
        return new Node.If(List.copyOf(branches), otherwise);
    }

    private Node parseFor() {
        int line = next().line();
        Node.Target target = parseAssignTarget(true, Set.of("in"));
        expectName("in");
        Expr iterable = parseTuple(false, false, Set.of("recursive"), false);
        Expr condition = null;
        if (skipName("if")) condition = parseExpression(true);
        boolean recursive = skipName("recursive");
        loopDepth++;
        List<Node> body = parseStatements(Set.of("endfor", "else"), false);
        loopDepth--;
        List<Node> otherwise = List.of();
        if (next().text().equals("else")) otherwise = parseStatements(Set.of("endfor"), true);
        expect(Kind.BLOCK_END);
        return new Node.For(target, iterable, condition, body, otherwise, recursive, line);
    }

    private Node parseSet() {
        int line = next().line();
        Node.Target target;
        if (current().is(Kind.NAME) && look().isOperator(".")) {
            String ns = next().text();
            next();
            String attr = expect(Kind.NAME).text();
            target = new Node.NamespaceTarget(ns, attr);
        } else {
            target = parseAssignTarget(true, Set.of());
        }
        if (skipOperator("=")) {
            Expr value = parseTuple(false, true, Set.of(), false);
            expect(Kind.BLOCK_END);
            return new Node.Set(target, value, line);
        }
        Expr.Filter filter = current().isOperator("|") ? parseFilterChain(null, false) : null;
        List<Node> body = parseStatements(Set.of("endset"), true);
        expect(Kind.BLOCK_END);
        return new Node.SetBlock(target, filter, body, line);
    }

    private Node parseMacro() {
        int line = next().line();
        String name = expect(Kind.NAME).text();
        List<Node.Param> params = parseSignature();
        int savedLoops = loopDepth;
        loopDepth = 0;
        List<Node> body = parseStatements(Set.of("endmacro"), true);
        loopDepth = savedLoops;
        expect(Kind.BLOCK_END);
        return newMacro(name, params, body, line);
    }

    private List<Node.Param> parseSignature() {
        List<Node.Param> params = new ArrayList<>();
        expectOperator("(");
        boolean sawDefault = false;
        while (!current().isOperator(")")) {
            if (!params.isEmpty()) expectOperator(",");
            if (current().isOperator(")")) break;
            String name = expect(Kind.NAME).text();
            Expr def = null;
            if (skipOperator("=")) {
                def = parseExpression(true);
                sawDefault = true;
            } else if (sawDefault) {
                throw fail("non-default argument follows default argument");
            }
            params.add(new Node.Param(name, def));
        }
        expectOperator(")");
        return List.copyOf(params);
    }

    private Node parseCallBlock() {
        int line = next().line();
        List<Node.Param> params = current().isOperator("(") ? parseSignature() : List.of();
        Expr callExpr = parseExpression(true);
        if (!(callExpr instanceof Expr.Call call)) throw fail("expected call");
        int savedLoops = loopDepth;
        loopDepth = 0;
        List<Node> body = parseStatements(Set.of("endcall"), true);
        loopDepth = savedLoops;
        expect(Kind.BLOCK_END);
        return new Node.CallBlock(call, params, body, line);
    }

    private static Node.Macro newMacro(String name, List<Node.Param> params, List<Node> body, int line) {
        java.util.Set<String> names = NameCollector.referencedNames(body);
        return new Node.Macro(name, params, body, names.contains("caller"), names.contains("varargs"),
                names.contains("kwargs"), line);
    }

    private Node parseWith() {
        next();
        List<Node.Target> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!current().is(Kind.BLOCK_END)) {
            if (!targets.isEmpty()) expectOperator(",");
            targets.add(parseAssignTarget(false, Set.of()));
            expectOperator("=");
            values.add(parseExpression(true));
        }
        List<Node> body = parseStatements(Set.of("endwith"), true);
        expect(Kind.BLOCK_END);
        return new Node.With(List.copyOf(targets), List.copyOf(values), body);
    }

    private Node.Target parseAssignTarget(boolean withTuple, Set<String> extraEnd) {
        Expr e = withTuple ? parseTuple(true, true, extraEnd, false) : parsePrimary();
        return toTarget(e);
    }

    private Node.Target toTarget(Expr e) {
        return switch (e) {
            case Expr.Name n -> new Node.NameTarget(n.name());
            case Expr.TupleLiteral t -> new Node.TupleTarget(t.items().stream().map(this::toTarget).toList());
            case Expr.ListLiteral l -> new Node.TupleTarget(l.items().stream().map(this::toTarget).toList());
            default -> throw fail("can't assign to " + e.getClass().getSimpleName());
        };
    }

    // ---- expressions ----

    private boolean isTupleEnd(Set<String> extraEnd) {
        Token t = current();
        if (t.is(Kind.VARIABLE_END) || t.is(Kind.BLOCK_END) || t.isOperator(")")) return true;
        return t.is(Kind.NAME) && extraEnd.contains(t.text());
    }

    private Expr parseTuple(boolean simplified, boolean withCondExpr, Set<String> extraEnd, boolean explicitParens) {
        int line = current().line();
        List<Expr> items = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!items.isEmpty()) expectOperator(",");
            if (isTupleEnd(extraEnd)) break;
            items.add(simplified ? parsePrimary() : parseExpression(withCondExpr));
            if (current().isOperator(",")) isTuple = true;
            else break;
        }
        if (!isTuple) {
            if (!items.isEmpty()) return items.getFirst();
            if (!explicitParens) throw fail("Expected an expression, got '" + current().describe() + "'");
        }
        return new Expr.TupleLiteral(List.copyOf(items), line);
    }

    Expr parseExpression(boolean withCondExpr) {
        enter();
        try {
            return withCondExpr ? parseCondExpr() : parseOr();
        } finally {
            leave();
        }
    }

    private Expr parseCondExpr() {
        Expr expr = parseOr();
        while (current().isName("if")) {
            int line = next().line();
            Expr test = parseOr();
            Expr otherwise = skipName("else") ? parseCondExpr() : null;
            expr = new Expr.Conditional(test, expr, otherwise, line);
        }
        return expr;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (current().isName("or")) {
            int line = next().line();
            left = new Expr.Or(left, parseAnd(), line);
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (current().isName("and")) {
            int line = next().line();
            left = new Expr.And(left, parseNot(), line);
        }
        return left;
    }

    private Expr parseNot() {
        if (current().isName("not")) {
            int line = next().line();
            enter();
            try {
                return new Expr.Not(parseNot(), line);
            } finally {
                leave();
            }
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = current().line();
        Expr first = parseMath1();
        List<Expr.Comparison> rest = new ArrayList<>();
        while (true) {
            Token t = current();
            CompareOp op = null;
            if (t.is(Kind.OPERATOR)) {
                op = switch (t.text()) {
                    case "==" -> CompareOp.EQ;
                    case "!=" -> CompareOp.NE;
                    case "<" -> CompareOp.LT;
                    case "<=" -> CompareOp.LE;
                    case ">" -> CompareOp.GT;
                    case ">=" -> CompareOp.GE;
                    default -> null;
                };
                if (op != null) next();
            } else if (t.isName("in")) {
                next();
                op = CompareOp.IN;
            } else if (t.isName("not") && look().isName("in")) {
                next();
                next();
                op = CompareOp.NOT_IN;
            }
            if (op == null) break;
            rest.add(new Expr.Comparison(op, parseMath1()));
        }
        return rest.isEmpty() ? first : new Expr.Compare(first, List.copyOf(rest), line);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (current().isOperator("+") || current().isOperator("-")) {
            Token t = next();
            BinaryOp op = t.text().equals("+") ? BinaryOp.ADD : BinaryOp.SUB;
            left = new Expr.Binary(op, left, parseConcat(), t.line());
        }
        return left;
    }

    private Expr parseConcat() {
        int line = current().line();
        Expr first = parseMath2();
        if (!current().isOperator("~")) return first;
        List<Expr> parts = new ArrayList<>();
        parts.add(first);
        while (skipOperator("~")) parts.add(parseMath2());
        return new Expr.Concat(List.copyOf(parts), line);
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (true) {
            Token t = current();
            BinaryOp op = null;
            if (t.is(Kind.OPERATOR)) {
                op = switch (t.text()) {
                    case "*" -> BinaryOp.MUL;
                    case "/" -> BinaryOp.DIV;
                    case "//" -> BinaryOp.FLOORDIV;
                    case "%" -> BinaryOp.MOD;
                    default -> null;
                };
            }
            if (op == null) return left;
            next();
            left = new Expr.Binary(op, left, parsePow(), t.line());
        }
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (current().isOperator("**")) {
            int line = next().line();
            left = new Expr.Binary(BinaryOp.POW, left, parseUnary(true), line);
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        enter();
        try {
            Token t = current();
            Expr node;
            if (t.isOperator("-")) {
                next();
                node = new Expr.Negate(parseUnary(false), t.line());
            } else if (t.isOperator("+")) {
                next();
                node = new Expr.Plus(parseUnary(false), t.line());
            } else {
                node = parsePrimary();
            }
            node = parsePostfix(node);
            if (withFilter) node = parseFilterExpr(node);
            return node;
        } finally {
            leave();
        }
    }

    private Expr parsePrimary() {
        Token t = current();
        int line = t.line();
        switch (t.kind()) {
            case NAME -> {
                next();
                return switch (t.text()) {
                    case "true", "True" -> new Expr.Const(Boolean.TRUE, line);
                    case "false", "False" -> new Expr.Const(Boolean.FALSE, line);
                    case "none", "None" -> new Expr.Const(null, line);
                    default -> new Expr.Name(t.text(), line);
                };
            }
            case STRING -> {
                next();
                if (!current().is(Kind.STRING)) return new Expr.Const(t.value(), line);
                StringBuilder sb = new StringBuilder((String) t.value());
                while (current().is(Kind.STRING)) sb.append((String) next().value());
                return new Expr.Const(sb.toString(), line);
            }
            case INTEGER, FLOAT -> {
                next();
                return new Expr.Const(t.value(), line);
            }
            case OPERATOR -> {
                switch (t.text()) {
                    case "(" -> {
                        next();
                        enter();
                        Expr e = parseTuple(false, true, Set.of(), true);
                        leave();
                        expectOperator(")");
                        return e;
                    }
                    case "[" -> {
                        return parseList();
                    }
                    case "{" -> {
                        return parseDict();
                    }
                    default -> throw fail("unexpected '" + t.describe() + "'");
                }
            }
            default -> throw fail("unexpected '" + t.describe() + "'");
        }
    }

    private Expr parseList() {
        int line = next().line();
        enter();
        List<Expr> items = new ArrayList<>();
        while (!current().isOperator("]")) {
            if (!items.isEmpty()) expectOperator(",");
            if (current().isOperator("]")) break;
            items.add(parseExpression(true));
        }
        expectOperator("]");
        leave();
        return new Expr.ListLiteral(List.copyOf(items), line);
    }

    private Expr parseDict() {
        int line = next().line();
        enter();
        List<Expr> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!current().isOperator("}")) {
            if (!keys.isEmpty()) expectOperator(",");
            if (current().isOperator("}")) break;
            keys.add(parseExpression(true));
            expectOperator(":");
            values.add(parseExpression(true));
        }
        expectOperator("}");
        leave();
        return new Expr.DictLiteral(List.copyOf(keys), List.copyOf(values), line);
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            Token t = current();
            if (t.isOperator(".") || t.isOperator("[")) node = parseSubscript(node);
            else if (t.isOperator("(")) node = new Expr.Call(node, parseCallArgs(), t.line());
            else return node;
        }
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            Token t = current();
            if (t.isOperator("|")) node = parseFilterChain(node, false);
            else if (t.isName("is")) node = parseTest(node);
            else if (t.isOperator("(")) node = new Expr.Call(node, parseCallArgs(), t.line());
            else return node;
        }
    }

    private Expr parseSubscript(Expr node) {
        Token t = next();
        if (t.isOperator(".")) {
            Token attr = next();
            if (attr.is(Kind.NAME)) return new Expr.GetAttr(node, attr.text(), t.line());
            if (!attr.is(Kind.INTEGER)) throw fail("expected name or number");
            return new Expr.GetItem(node, new Expr.Const(attr.value(), t.line()), t.line());
        }
        List<Expr> args = new ArrayList<>();
        while (!current().isOperator("]")) {
            if (!args.isEmpty()) expectOperator(",");
            args.add(parseSubscribed());
        }
        expectOperator("]");
        Expr key = args.size() == 1 ? args.getFirst() : new Expr.TupleLiteral(List.copyOf(args), t.line());
        return new Expr.GetItem(node, key, t.line());
    }

    private Expr parseSubscribed() {
        int line = current().line();
        Expr start = null;
        if (!current().isOperator(":")) {
            Expr e = parseExpression(true);
            if (!current().isOperator(":")) return e;
            start = e;
        }
        next(); // ':'
        Expr stop = null;
        if (!current().isOperator(":") && !current().isOperator("]") && !current().isOperator(",")) {
            stop = parseExpression(true);
        }
        Expr step = null;
        if (skipOperator(":")) {
            if (!current().isOperator("]") && !current().isOperator(",")) step = parseExpression(true);
        }
        return new Expr.Slice(start, stop, step, line);
    }

    private Args parseCallArgs() {
        expectOperator("(");
        List<Expr> args = new ArrayList<>();
        List<Expr.Keyword> kwargs = new ArrayList<>();
        Expr starArgs = null;
        Expr starKwargs = null;
        boolean requireComma = false;
        while (!current().isOperator(")")) {
            if (requireComma) {
                expectOperator(",");
                if (current().isOperator(")")) break;
            }
            if (current().isOperator("*")) {
                if (starArgs != null || starKwargs != null) throw fail("invalid syntax for function call expression");
                next();
                starArgs = parseExpression(true);
            } else if (current().isOperator("**")) {
                if (starKwargs != null) throw fail("invalid syntax for function call expression");
                next();
                starKwargs = parseExpression(true);
            } else if (current().is(Kind.NAME) && look().isOperator("=")) {
                if (starKwargs != null) throw fail("invalid syntax for function call expression");
                String key = next().text();
                next();
                kwargs.add(new Expr.Keyword(key, parseExpression(true)));
            } else {
                if (starArgs != null || starKwargs != null || !kwargs.isEmpty()) {
                    throw fail("invalid syntax for function call expression");
                }
                args.add(parseExpression(true));
            }
            requireComma = true;
        }
        expectOperator(")");
        if (args.isEmpty() && kwargs.isEmpty() && starArgs == null && starKwargs == null) return Args.NONE;
        return new Args(List.copyOf(args), List.copyOf(kwargs), starArgs, starKwargs);
    }

    private String dottedName() {
        StringBuilder name = new StringBuilder(expect(Kind.NAME).text());
        while (current().isOperator(".")) {
            next();
            name.append('.').append(expect(Kind.NAME).text());
        }
        return name.toString();
    }

    private Expr.Filter parseFilterChain(Expr node, boolean startInline) {
        Expr.Filter result = null;
        while (current().isOperator("|") || startInline) {
            if (!startInline) next();
            int line = current().line();
            String name = dottedName();
            Args args = current().isOperator("(") ? parseCallArgs() : Args.NONE;
            result = new Expr.Filter(node, name, args, line);
            node = result;
            startInline = false;
        }
        return result;
    }

    private Expr parseTest(Expr node) {
        int line = next().line(); // 'is'
        boolean negated = skipName("not");
        String name = dottedName();
        Token t = current();
        Args args = Args.NONE;
        if (t.isOperator("(")) {
            args = parseCallArgs();
        } else if ((t.is(Kind.NAME) || t.is(Kind.STRING) || t.is(Kind.INTEGER) || t.is(Kind.FLOAT)
                || t.isOperator("(") || t.isOperator("[") || t.isOperator("{"))
                && !(t.isName("else") || t.isName("or") || t.isName("and"))) {
            if (t.isName("is")) throw fail("You cannot chain multiple tests with is");
            Expr arg = parsePostfix(parsePrimary());
            args = new Args(List.of(arg), List.of(), null, null);
        }
        return new Expr.Test(node, name, args, negated, line);
    }
}
