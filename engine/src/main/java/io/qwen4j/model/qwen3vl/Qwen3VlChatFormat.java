package io.qwen4j.model.qwen3vl;

import io.qwen4j.model.ChatFormat;

/**
 * How Qwen3 and Qwen3-VL write a chat beyond their GGUF's template: tool calls as
 * <pre>{@code <tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>}</pre>
 * ({@code <tool_call>} and {@code </tool_call>} are added tokens), and a thinking model's reasoning in
 * {@code <think>…</think>} before the answer. The GGUFs carry their template: there is no fallback.
 */
public final class Qwen3VlChatFormat {
    private Qwen3VlChatFormat() {
    }

    public static final ChatFormat FORMAT = new ChatFormat(null,
            new ChatFormat.Tags("<tool_call>", "</tool_call>"),
            new ChatFormat.Tags("<think>", "</think>"));
}
