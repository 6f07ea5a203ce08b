package io.qwen4j.model;

/**
 * How an architecture's models write a chat: the parts of the format that are not in the GGUF's template.
 *
 * @param defaultTemplate the Jinja chat template used when the GGUF has none (null: none, the server asks for
 *                        {@code --chat-template})
 * @param toolCall        the tags around a tool call; inside them a JSON object {@code {"name": …, "arguments": …}}.
 *                        The tool-call grammar and parser are built from these; null: the model has no tool calls
 * @param reasoning       the tags around a reasoning block at the start of the answer; null: no reasoning block
 */
public record ChatFormat(String defaultTemplate, Tags toolCall, Tags reasoning) {

    /** An opening and a closing tag, each one added token of the vocabulary. */
    public record Tags(String open, String close) {
    }
}
