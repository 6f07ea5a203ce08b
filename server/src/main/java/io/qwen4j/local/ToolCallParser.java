package io.qwen4j.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.api.ToolCallDelta;
import io.qwen4j.model.ChatFormat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits an answer, arriving piece by piece, into content text and tool calls written in the model's
 * trained format (its {@link ChatFormat#toolCall()} tags around a JSON object; Qwen3's shown):
 * <pre>{@code <tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>}</pre>
 * A call's first delta carries its id and name as soon as the name is complete; its arguments follow as they
 * are generated. Text that may still turn out to be a tag, or the wrapper's closing brace, is held back, so no
 * tag text leaks into the content. Whitespace around calls is dropped (the template writes newlines there).
 * A call that does not have this shape (only possible unconstrained) is parsed as a whole at its closing tag,
 * and if it is not a JSON object with a name, given back as content.
 */
final class ToolCallParser {
    private final String open, close;
    private static final Pattern HEAD = Pattern.compile("^\\s*\\{\\s*\"name\"\\s*:\\s*(\"(?:[^\"\\\\]|\\\\.)*\")\\s*,\\s*\"arguments\"\\s*:\\s*");
    /** The start of a call cut before its arguments: the name is complete. */
    private static final Pattern NAMED_HEAD = Pattern.compile("^\\s*\\{\\s*\"name\"\\s*:\\s*(\"(?:[^\"\\\\]|\\\\.)*\")");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /** What one piece of text gave: content and tool-call fragments. */
    record Parts(String content, List<ToolCallDelta> calls) {
    }

    private enum State { TEXT, HEAD, ARGUMENTS }

    private State state = State.TEXT;
    private final StringBuilder pending = new StringBuilder();
    private int calls;
    private boolean argumentsBegun; // whitespace before the arguments' first character is dropped
    private final StringBuilder arguments = new StringBuilder(); // the current call's arguments so far

    ToolCallParser(ChatFormat.Tags tags) {
        this.open = tags.open();
        this.close = tags.close();
    }

    /** Number of calls begun so far. */
    int calls() {
        return calls;
    }

    Parts push(String text) {
        pending.append(text);
        StringBuilder content = new StringBuilder();
        List<ToolCallDelta> out = new ArrayList<>();
        boolean progress = true;
        while (progress) {
            progress = false;
            switch (state) {
                case TEXT -> {
                    int start = pending.indexOf(open);
                    if (start >= 0) {
                        String before = pending.substring(0, start);
                        content.append(before.stripTrailing());
                        pending.delete(0, start + open.length());
                        state = State.HEAD;
                        progress = true;
                    } else {
                        // Hold trailing whitespace (it may precede a call) and a possible start of the tag.
                        int keep = pending.length() - heldTagPrefix(pending, open);
                        int end = keep;
                        while (end > 0 && Character.isWhitespace(pending.charAt(end - 1))) end--;
                        content.append(pending, 0, end);
                        pending.delete(0, end);
                    }
                }
                case HEAD -> {
                    Matcher m = HEAD.matcher(pending);
                    if (m.find()) {
                        out.add(new ToolCallDelta(calls++, newId(), unquote(m.group(1)), ""));
                        pending.delete(0, m.end());
                        argumentsBegun = false;
                        arguments.setLength(0);
                        state = State.ARGUMENTS;
                        progress = true;
                    } else if (pending.indexOf(close) >= 0) {
                        int end = pending.indexOf(close);
                        String body = pending.substring(0, end);
                        pending.delete(0, end + close.length());
                        ToolCallDelta whole = wholeCall(body);
                        if (whole != null) out.add(whole);
                        else content.append(body);
                        state = State.TEXT;
                        progress = true;
                    }
                }
                case ARGUMENTS -> {
                    if (!argumentsBegun) {
                        int i = 0;
                        while (i < pending.length() && Character.isWhitespace(pending.charAt(i))) i++;
                        pending.delete(0, i);
                        argumentsBegun = !pending.isEmpty();
                    }
                    int end = pending.indexOf(close);
                    if (end >= 0) {
                        String args = stripWrapperEnd(pending.substring(0, end));
                        if (!args.isEmpty()) out.add(argumentsDelta(args));
                        pending.delete(0, end + close.length());
                        state = State.TEXT;
                        progress = true;
                    } else {
                        int hold = heldArgumentsEnd(pending);
                        if (hold > 0) {
                            out.add(argumentsDelta(pending.substring(0, hold)));
                            pending.delete(0, hold);
                        }
                    }
                }
            }
        }
        return new Parts(content.toString(), out);
    }

    /**
     * The end of the output: held text goes where it was heading; an unfinished call stays unfinished (its
     * arguments as generated, or empty when it was cut right after its name), and a call cut before its
     * name is complete is dropped. No tag text goes to the content.
     */
    Parts finish() {
        String rest = pending.toString();
        pending.setLength(0);
        return switch (state) {
            case TEXT -> new Parts(calls > 0 && rest.isBlank() ? "" : rest, List.of());
            case HEAD -> {
                Matcher m = NAMED_HEAD.matcher(rest);
                yield new Parts("", m.find() ? List.of(new ToolCallDelta(calls++, newId(), unquote(m.group(1)), "")) : List.of());
            }
            case ARGUMENTS -> {
                String args = heldArgumentsRest(rest);
                yield new Parts("", args.isEmpty() ? List.of() : List.of(argumentsDelta(args)));
            }
        };
    }

    private ToolCallDelta argumentsDelta(String text) {
        arguments.append(text);
        return new ToolCallDelta(calls - 1, null, null, text);
    }

    /**
     * What of the text held at the end of a cut call belongs to its arguments: not a partial closing tag,
     * and not the wrapper's closing brace when the arguments before it are already complete.
     */
    private String heldArgumentsRest(String rest) {
        String t = rest.stripTrailing();
        for (int len = Math.min(close.length() - 1, t.length()); len > 0; len--) {
            if (t.endsWith(close.substring(0, len))) {
                t = t.substring(0, t.length() - len).stripTrailing();
                break;
            }
        }
        if (t.endsWith("}") && isCompleteJson(arguments + t.substring(0, t.length() - 1))) t = t.substring(0, t.length() - 1).stripTrailing();
        return t;
    }

    private static boolean isCompleteJson(String text) {
        try (var parser = JSON.createParser(text)) {
            if (parser.nextToken() == null) return false;
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * How much of the arguments text can be released: all but a final {@code }} followed only by whitespace
     * and a possible start of the closing tag (it may be the wrapper's brace).
     */
    private int heldArgumentsEnd(StringBuilder s) {
        int brace = s.lastIndexOf("}");
        if (brace < 0) return s.length();
        int i = brace + 1;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        String tail = s.substring(i);
        return close.startsWith(tail) ? brace : s.length();
    }

    /** The arguments part of the text before the closing tag: without the wrapper's closing brace. */
    private static String stripWrapperEnd(String s) {
        String t = s.stripTrailing();
        if (t.endsWith("}")) t = t.substring(0, t.length() - 1).stripTrailing();
        return t;
    }

    /** A call in some other JSON shape, e.g. arguments before the name; null if it is not one. */
    private ToolCallDelta wholeCall(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject() || !n.path("name").isTextual()) return null;
            JsonNode args = n.get("arguments");
            String text = args == null || args.isNull() ? "{}" : args.isTextual() ? args.textValue() : args.toString();
            return new ToolCallDelta(calls++, newId(), n.get("name").textValue(), text);
        } catch (IOException e) {
            return null;
        }
    }

    private static String unquote(String jsonString) {
        try {
            return JSON.readTree(jsonString).textValue();
        } catch (IOException e) {
            return jsonString.substring(1, jsonString.length() - 1);
        }
    }

    private static int heldTagPrefix(StringBuilder text, String tag) {
        for (int len = Math.min(tag.length() - 1, text.length()); len > 0; len--) {
            if (text.substring(text.length() - len).equals(tag.substring(0, len))) return len;
        }
        return 0;
    }

    /** OpenAI-style call id: {@code call_} and 24 random letters and digits. */
    static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        StringBuilder b = new StringBuilder("call_");
        for (int i = 0; i < 24; i++) b.append(ID_CHARS.charAt(r.nextInt(ID_CHARS.length())));
        return b.toString();
    }
}
