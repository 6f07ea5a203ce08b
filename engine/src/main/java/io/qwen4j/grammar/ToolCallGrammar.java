package io.qwen4j.grammar;

import io.qwen4j.tokenizer.TokenType;
import io.qwen4j.tokenizer.Vocabulary;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Tool calls in the model's trained format (its chat format's tags; Qwen3's shown):
 * <pre>{@code <tool_call>\n{"name": "<tool>", "arguments": {...}}\n</tool_call>}</pre>
 * where the opening and closing tags are single added tokens, the name is one of the tools
 * and the arguments are valid for that tool's {@code parameters} schema. Calls may be separated by a
 * newline when parallel calls are allowed; end-of-generation is allowed after a complete call.
 *
 * <ul>
 *   <li>{@link Choice#REQUIRED}: the output is one call (or more if parallel).</li>
 *   <li>{@link Choice#NAMED}: the same, but only the forced function.</li>
 *   <li>{@link Choice#AUTO}: free text until the model emits {@code <tool_call>}; from then on calls only.</li>
 *   <li>{@link Choice#NONE}: free text; {@code <tool_call>} is never allowed.</li>
 * </ul>
 */
public final class ToolCallGrammar {
    public enum Choice { NONE, AUTO, REQUIRED, NAMED }

    /** A function tool: its name and its {@code parameters} JSON Schema (null: no parameters). */
    public record Tool(String name, String parametersJson) {
    }

    private final Choice choice;
    private final CompiledGrammar calls; // null for NONE
    private final Vocabulary vocabulary;
    private final int openToken;
    private final int closeToken;

    private ToolCallGrammar(Choice choice, CompiledGrammar calls, Vocabulary vocabulary, int openToken, int closeToken) {
        this.choice = choice;
        this.calls = calls;
        this.vocabulary = vocabulary;
        this.openToken = openToken;
        this.closeToken = closeToken;
    }

    /**
     * @param openTag the added token that opens a call ({@code <tool_call>}); {@code closeTag} closes it
     * @param forcedName the function for {@link Choice#NAMED} (ignored otherwise)
     * @param parallel whether several calls may follow each other (parallel_tool_calls)
     * @throws UnsupportedSchemaException for an unsupported parameters schema, an unknown forced name,
     *     duplicate names, or a vocabulary without the tool-call tokens
     */
    public static ToolCallGrammar compile(Vocabulary vocabulary, String openTag, String closeTag, List<Tool> tools, Choice choice,
                                          String forcedName, boolean parallel, JsonSchemaOptions options) {
        TokenVocabulary.of(vocabulary); // once per vocabulary, outside any one tool set's budget
        return CompileDeadline.within(JsonSchemaGrammar.COMPILE_BUDGET_NANOS,
                () -> compileWithin(vocabulary, openTag, closeTag, tools, choice, forcedName, parallel, options));
    }

    private static ToolCallGrammar compileWithin(Vocabulary vocabulary, String openTag, String closeTag, List<Tool> tools, Choice choice,
                                                 String forcedName, boolean parallel, JsonSchemaOptions options) {
        int open = specialToken(vocabulary, openTag);
        int close = specialToken(vocabulary, closeTag);
        if (choice == Choice.NONE) return new ToolCallGrammar(choice, null, vocabulary, open, close);
        if (tools.isEmpty()) throw new UnsupportedSchemaException("tools", "tool_choice needs at least one tool");
        Set<String> names = new HashSet<>();
        for (Tool t : tools) if (!names.add(t.name())) throw new UnsupportedSchemaException("tools", "duplicate tool name \"" + t.name() + "\"");
        List<Tool> callable = tools;
        if (choice == Choice.NAMED) {
            callable = tools.stream().filter(t -> t.name().equals(forcedName)).toList();
            if (callable.isEmpty()) throw new UnsupportedSchemaException("tool_choice", "tool_choice names unknown function \"" + forcedName + "\"");
        }
        GrammarBuilder gb = new GrammarBuilder();
        int openSym = gb.specialToken(open), closeSym = gb.specialToken(close);
        int newline = gb.terminal(JsonLexemes.exact("\n"));
        int optNewline = gb.nonterminal("nl?");
        gb.production(optNewline);
        gb.production(optNewline, newline);
        int call = gb.nonterminal("call");
        JsonLexemes lx = JsonLexemes.of(options);
        int lb = gb.terminal(lx.literal("{")), rb = gb.terminal(lx.literal("}"));
        int colon = gb.terminal(lx.literal(":")), comma = gb.terminal(lx.literal(","));
        int nameKey = gb.terminal(lx.stringLiteral("name")), argsKey = gb.terminal(lx.stringLiteral("arguments"));
        List<String> order = new ArrayList<>();
        for (Tool t : callable) {
            String params = t.parametersJson() == null || t.parametersJson().isBlank() ? "{\"type\":\"object\",\"properties\":{}}" : t.parametersJson();
            int args;
            try {
                args = JsonSchemaCompiler.compile(gb, JsonSchemaGrammar.parse(params), options);
            } catch (UnsupportedSchemaException e) {
                throw new UnsupportedSchemaException(e.keyword(), "tool \"" + t.name() + "\": " + e.getMessage());
            }
            gb.production(call, openSym, optNewline, lb, nameKey, colon, gb.terminal(lx.stringLiteral(t.name())), comma, argsKey,
                    colon, args, rb, optNewline, closeSym);
            order.add(t.name());
        }
        int root = call;
        if (parallel && choice != Choice.NAMED) { // a named choice is exactly one call of that function
            int many = gb.nonterminal("calls");
            gb.production(many, call);
            gb.production(many, many, optNewline, call);
            root = many;
        }
        CompiledGrammar g = new CompiledGrammar(gb.build(root), vocabulary, "tools" + order);
        return new ToolCallGrammar(choice, g, vocabulary, open, close);
    }

    private static int specialToken(Vocabulary v, String text) {
        if (text == null) throw new UnsupportedSchemaException("tools", "the model has no tool-call format");
        var id = v.idOf(text);
        if (id.isEmpty() || (v.type(id.getAsInt()) != TokenType.USER_DEFINED && v.type(id.getAsInt()) != TokenType.CONTROL)) {
            throw new UnsupportedSchemaException("tools", "the vocabulary has no " + text + " token");
        }
        return id.getAsInt();
    }

    public Choice choice() {
        return choice;
    }

    /** The token id of the tag that opens a call. */
    public int callOpenToken() {
        return openToken;
    }

    /** The token id of the tag that closes a call. */
    public int callCloseToken() {
        return closeToken;
    }

    /** A fresh per-sequence constraint. */
    public TokenConstraint newConstraint() {
        return switch (choice) {
            case NONE -> new FreeTextConstraint(vocabulary, openToken, null);
            case AUTO -> new FreeTextConstraint(vocabulary, openToken, calls);
            case REQUIRED, NAMED -> calls.newConstraint();
        };
    }
}
