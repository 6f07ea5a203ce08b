package io.qwen4j.local;

import io.qwen4j.api.ApiException;
import io.qwen4j.api.OutputFormat;
import io.qwen4j.api.ToolUse;
import io.qwen4j.engine.ConstraintMask;
import io.qwen4j.grammar.CompiledGrammar;
import io.qwen4j.grammar.ConstraintCompiler;
import io.qwen4j.grammar.JsonSchemaOptions;
import io.qwen4j.grammar.ToolCallGrammar;
import io.qwen4j.grammar.UnsupportedSchemaException;
import io.qwen4j.model.ChatFormat;
import io.qwen4j.sampling.TokenMask;
import io.qwen4j.tokenizer.Vocabulary;

import java.util.List;
import java.util.function.Supplier;

/**
 * A model's structured outputs: {@code response_format} / {@code structured_outputs} and tool calls turned
 * into per-sequence token masks. One {@link ConstraintCompiler} per model, built on first use (it indexes the
 * whole vocabulary) and caching compiled schemas and tool sets.
 */
final class StructuredOutput {
    private final Vocabulary vocabulary;
    private final ChatFormat.Tags toolCall; // null: the model has no tool-call format
    private final JsonSchemaOptions options;
    private volatile ConstraintCompiler compiler;
    private static final int CACHED_GRAMMARS = 256;

    /** @param options whitespace and string bounds of the generated JSON */
    StructuredOutput(Vocabulary vocabulary, ChatFormat.Tags toolCall, JsonSchemaOptions options) {
        this.vocabulary = vocabulary;
        this.toolCall = toolCall;
        this.options = options;
    }

    /**
     * The masks of a request's choices (each call of the supplier gives a fresh one), or null when the output
     * is free. A schema the engine cannot enforce is a 400 naming the parameter and the keyword.
     */
    Supplier<TokenMask> masks(OutputFormat format, ToolUse tools) {
        try {
            return switch (format) {
                case OutputFormat.JsonObject j -> grammarMasks(compiler().jsonObject());
                case OutputFormat.JsonSchema s -> grammarMasks(compiler().jsonSchema(s.schema()));
                case OutputFormat.Text t -> tools.tools() == null ? null : toolMasks(tools);
            };
        } catch (UnsupportedSchemaException e) {
            String param = format instanceof OutputFormat.Text ? (e.keyword().equals("tool_choice") ? "tool_choice" : "tools") : format.param();
            throw new ApiException(400, "invalid_request_error", param, "unsupported_schema",
                    "the " + (param.startsWith("tool") ? "tool parameters schema" : "schema") + " cannot be enforced ("
                            + e.keyword() + "): " + e.getMessage());
        }
    }

    private static Supplier<TokenMask> grammarMasks(CompiledGrammar grammar) {
        return () -> new ConstraintMask(grammar.newConstraint());
    }

    private Supplier<TokenMask> toolMasks(ToolUse tools) {
        List<ToolCallGrammar.Tool> grammarTools = tools.functions().stream()
                .map(f -> new ToolCallGrammar.Tool(f.name(), f.parameters()))
                .toList();
        ToolCallGrammar.Choice choice = switch (tools.choice()) {
            case NONE -> ToolCallGrammar.Choice.NONE;
            case AUTO -> ToolCallGrammar.Choice.AUTO;
            case REQUIRED -> ToolCallGrammar.Choice.REQUIRED;
            case NAMED -> ToolCallGrammar.Choice.NAMED;
        };
        ToolCallGrammar grammar;
        try {
            grammar = compiler().tools(grammarTools, choice, tools.forcedName(), tools.parallel());
        } catch (UnsupportedSchemaException e) {
            if (choice == ToolCallGrammar.Choice.NONE) return null; // no tool-call token to ban: nothing to enforce
            throw e;
        }
        return () -> new ConstraintMask(grammar.newConstraint());
    }

    private ConstraintCompiler compiler() {
        ConstraintCompiler c = compiler;
        if (c == null) {
            synchronized (this) {
                if (compiler == null) {
                    compiler = new ConstraintCompiler(vocabulary, toolCall == null ? null : toolCall.open(),
                            toolCall == null ? null : toolCall.close(), options, CACHED_GRAMMARS);
                }
                c = compiler;
            }
        }
        return c;
    }
}
