package io.qwen4j.api;

/**
 * A fragment of one tool call, as OpenAI streams them: the first fragment of a call carries its id and
 * function name, the following ones pieces of its arguments (JSON text, concatenated in order).
 *
 * @param index     the call's position among this choice's calls
 * @param id        {@code call_…} on the first fragment, else null
 * @param name      the function name on the first fragment, else null
 * @param arguments a piece of the arguments' JSON text (possibly empty)
 */
public record ToolCallDelta(int index, String id, String name, String arguments) {
}
