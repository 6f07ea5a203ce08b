/**
 * Structured outputs: token masks that keep the output valid JSON, valid against a JSON Schema, or a tool
 * call in Qwen3's format, over the full vocabulary at every decoding step.
 *
 * <h2>Use</h2>
 * {@link io.qwen4j.grammar.ConstraintCompiler} (one per vocabulary, thread-safe, LRU cache by schema text)
 * gives a {@link io.qwen4j.grammar.CompiledGrammar} for {@code json_schema} / {@code json_object}, or a
 * {@link io.qwen4j.grammar.ToolCallGrammar} for tools; each request takes its own
 * {@link io.qwen4j.grammar.TokenConstraint}: per step {@code allowedTokens(mask)} → logits of 0-bits to -inf →
 * sample → {@code accept(token)}; stop at end-of-generation (allowed only when {@code canEnd()}) or when
 * {@code isComplete()}. {@link io.qwen4j.grammar.UnsupportedSchemaException#keyword()} names what was refused.
 *
 * <h2>Design (after llguidance)</h2>
 * Terminals are byte automata ({@link io.qwen4j.grammar.EncodedLexeme}: a code-point DFA from a regex,
 * UTF-8- or JSON-string-encoded, with code-point counting for min/maxLength); a {@link io.qwen4j.grammar.Lexer}
 * runs the lexemes a parser row allows; an {@link io.qwen4j.grammar.EarleyParser} over lexemes handles
 * nesting, recursion ($ref) and ambiguity (anyOf). A mask is the lexer-only part for the current lexer state
 * ({@link io.qwen4j.grammar.ContextFreeMask}: tokens staying inside the lexeme, cached process-wide; inside
 * JSON strings "plain" tokens come from precomputed slices) plus a walk of the
 * {@link io.qwen4j.grammar.TokenTrie} below the nodes where the lexeme ends, where the parser advances
 * (memoized per row). Tokens may split UTF-8 characters; the automata are byte-level.
 *
 * <h2>Output policy</h2>
 * Properties in schema order (declared first, then undeclared ones if allowed); whitespace before any
 * lexeme limited to one space, or one line break and at most 32 spaces/tabs of indentation
 * ({@link io.qwen4j.grammar.JsonSchemaOptions#maxIndent()}; compact: one optional space), none after the
 * document; strings without maxLength, pattern, format or enum at most 4096 code points
 * ({@link io.qwen4j.grammar.JsonSchemaOptions#maxStringLength()}; undeclared keys and any-value strings too);
 * integers up to 19 digits, unbounded numbers with up to 20 fraction digits and an exponent of magnitude at
 * most 288 (always a finite double), bounded numbers and multiples (multipleOf) without exponent; in strings
 * only quote, backslash and control characters are escaped ({@code \/} accepted).
 *
 * <h2>JSON Schema</h2>
 * Supported: type (incl. unions), enum, const, properties, required, additionalProperties (absent = true,
 * or false with {@link io.qwen4j.grammar.JsonSchemaOptions#NO_UNDECLARED_PROPERTIES}), items, prefixItems,
 * draft-4 array items/additionalItems, minItems, maxItems (≤ 4096), minLength, maxLength, pattern (ECMA
 * subset), format (date-time, date, time, duration, uuid, email, hostname, ipv4, ipv6, uri as safe subsets;
 * int32, int64, uint32 on integers), multipleOf (any positive step m·10^-s with m·(s+3) ≤ 4000), minimum, maximum, exclusiveMinimum, exclusiveMaximum (draft-4 booleans too),
 * anyOf, oneOf (only when the branches are provably disjoint), allOf (merged; distributes over anyOf), local
 * $ref / $defs / definitions (recursive too), min/maxProperties and uniqueItems only when trivially true.
 * Refused: not, if/then/else, dependentRequired/Schemas, dependencies, contains, propertyNames,
 * patternProperties, unevaluated*, $dynamicRef, remote or anchor refs, other formats, regex lookaround/backreferences/\b/\p. Annotations and unknown keys are ignored.
 * Bounds: schema text 2 MiB, nesting 128, 200k productions, enum 10k values, regex 4k DFA states, 20k allOf
 * merges, 3 s compile time (a wall-clock deadline over the whole compile: grammar, automata, lexer and the
 * first mask; refusals are cached like grammars).
 */
package io.qwen4j.grammar;
