package io.qwen4j.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One message of a chat, checked: its role, its content (a string, content parts or nothing), an assistant's
 * tool calls and a tool result's call id. A 400 names the member's path ({@code messages[2].content[1]}).
 *
 * @param role  system, developer, user, assistant, tool or function
 * @param json  the message as sent: a chat template renders this view
 * @param parts the content parts in order; empty when the content is a string or absent
 */
public record ChatMessage(String role, ObjectNode json, List<ContentPart> parts) {

    /** OpenAI's roles. */
    public static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    /** The most messages in a request, and content parts in a message: refused before any work on them. */
    public static final int MAX_MESSAGES = 10_000, MAX_PARTS = 1_000;

    public ChatMessage {
        parts = List.copyOf(parts);
    }

    /** The {@code messages} array of a chat request, checked. */
    public static List<ChatMessage> readAll(JsonNode messages) {
        if (messages == null || messages.isNull()) throw ApiException.invalid("messages", "'messages' is required");
        if (!messages.isArray()) throw ApiException.invalid("messages", "'messages' must be an array of message objects");
        if (messages.isEmpty()) throw ApiException.invalid("messages", "'messages' must contain at least one message");
        if (messages.size() > MAX_MESSAGES) {
            throw ApiException.invalid("messages", "'messages' has " + messages.size() + " messages; at most " + MAX_MESSAGES + " are accepted");
        }
        List<ChatMessage> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) out.add(read("messages[" + i + "]", messages.get(i)));
        return List.copyOf(out);
    }

    private static ChatMessage read(String param, JsonNode m) {
        if (!m.isObject()) throw ApiException.invalid(param, param + " must be an object");
        JsonNode role = m.get("role");
        if (role == null || !role.isTextual()) throw ApiException.invalid(param + ".role", param + ".role must be a string");
        if (!ROLES.contains(role.textValue())) {
            throw ApiException.invalid(param + ".role", param + ".role is '" + role.textValue()
                    + "'; supported values are 'system', 'developer', 'user', 'assistant', 'tool' and 'function'");
        }
        JsonNode content = m.get("content");
        List<ContentPart> parts = new ArrayList<>();
        // Only an assistant's message may leave its content out (when it carries tool calls), as OpenAI defines it.
        if ((content == null || content.isNull()) && !role.textValue().equals("assistant")) {
            throw ApiException.invalid(param + ".content", param + ".content is required in a '" + role.textValue() + "' message");
        }
        if (content != null && !content.isNull() && !content.isTextual()) {
            if (!content.isArray()) {
                throw ApiException.invalid(param + ".content", param + ".content must be a string or an array of content parts");
            }
            if (content.size() > MAX_PARTS) {
                throw ApiException.invalid(param + ".content", param + ".content has " + content.size() + " parts; at most " + MAX_PARTS + " are accepted");
            }
            for (int j = 0; j < content.size(); j++) parts.add(ContentPart.read(param + ".content[" + j + "]", content.get(j)));
        }
        JsonNode calls = m.get("tool_calls");
        if (calls != null && !calls.isNull()) checkToolCalls(param + ".tool_calls", calls);
        JsonNode callId = m.get("tool_call_id");
        if (callId != null && !callId.isNull() && !callId.isTextual()) {
            throw ApiException.invalid(param + ".tool_call_id", param + ".tool_call_id must be a string");
        }
        return new ChatMessage(role.textValue(), (ObjectNode) m, parts);
    }

    /** {@code [{"id", "type": "function", "function": {"name", "arguments"}}]}; arguments as JSON text or an object. */
    private static void checkToolCalls(String param, JsonNode calls) {
        if (!calls.isArray()) throw ApiException.invalid(param, param + " must be an array of tool calls");
        for (int k = 0; k < calls.size(); k++) {
            JsonNode call = calls.get(k);
            String p = param + "[" + k + "]";
            if (!call.isObject()) throw ApiException.invalid(p, p + " must be an object");
            JsonNode f = call.get("function");
            if (f == null || !f.isObject()) throw ApiException.invalid(p + ".function", p + ".function must be an object");
            if (!f.path("name").isTextual()) throw ApiException.invalid(p + ".function.name", p + ".function.name must be a string");
            JsonNode args = f.get("arguments");
            if (args != null && !args.isNull() && !args.isTextual() && !args.isObject()) {
                throw ApiException.invalid(p + ".function.arguments", p + ".function.arguments must be a string of JSON");
            }
        }
    }

    /** The image parts of this message, in order. */
    public List<ContentPart.Image> images() {
        List<ContentPart.Image> out = new ArrayList<>();
        for (ContentPart p : parts) if (p instanceof ContentPart.Image i) out.add(i);
        return out;
    }
}
