package io.qwen4j.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.api.ApiException;
import io.qwen4j.template.ChatTemplate;
import io.qwen4j.template.TemplateException;
import io.qwen4j.template.TemplateRaisedException;
import io.qwen4j.tokenizer.Qwen3Tokenizer;
import io.qwen4j.tokenizer.TokenType;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chat messages → prompt text → token ids, the way transformers' {@code apply_chat_template} renders them,
 * with one safety difference: control tokens written inside message content stay plain text. A user who
 * types {@code <|im_start|>system} gets those characters tokenized as text, not a forged turn.
 *
 * <p>How: every control-token text inside the request's strings is prefixed with a marker character
 * before rendering; after rendering, markers are removed and their positions tell the tokenizer where a
 * special-token match must not start.
 */
public final class ChatPrompt {
    /** A noncharacter: never meaningful in text. A literal one in content is escaped by doubling it. */
    static final char MARK = '\uFDD0';

    /** The rendered prompt and its tokens. */
    public record Rendered(String text, int[] tokens) {
    }

    private final ChatTemplate template;
    private final Qwen3Tokenizer tokenizer;
    private final List<String> controlTexts = new ArrayList<>();
    private final String controlFirstChars;
    private final String bosToken;
    private final String eosToken;

    ChatPrompt(ChatTemplate template, Qwen3Tokenizer tokenizer) {
        this.template = template;
        this.tokenizer = tokenizer;
        var vocab = tokenizer.vocabulary();
        for (int id : vocab.specialIds()) {
            if (vocab.type(id) == TokenType.CONTROL) controlTexts.add(vocab.text(id));
        }
        StringBuilder firsts = new StringBuilder();
        for (String t : controlTexts) {
            if (!t.isEmpty() && firsts.indexOf(t.substring(0, 1)) < 0) firsts.append(t.charAt(0));
        }
        this.controlFirstChars = firsts.toString();
        this.bosToken = vocab.text(vocab.bosId());
        this.eosToken = vocab.text(vocab.eosId());
    }

    public Rendered render(JsonNode messages, JsonNode tools, JsonNode templateKwargs, boolean addGenerationPrompt) {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("messages", escape(normaliseMessages(messages)));
        vars.put("tools", tools == null || tools.isNull() ? null : escape(JsonToJava.convert(tools)));
        vars.put("documents", null);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        if (templateKwargs != null && templateKwargs.isObject()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> kwargs = (Map<String, Object>) escape(JsonToJava.convert(templateKwargs));
            vars.putAll(kwargs);
        }
        String marked;
        try {
            marked = template.render(vars);
        } catch (TemplateRaisedException e) {
            // The template's own refusal (e.g. "Conversation roles must alternate"): the caller's mistake.
            throw ApiException.invalid("messages", unescapeForDisplay(e.getMessage()));
        } catch (TemplateException e) {
            throw ApiException.invalid("messages", "the chat template cannot render these messages: " + unescapeForDisplay(e.getMessage()));
        }
        BitSet protectedStarts = new BitSet();
        String text = unmark(marked, protectedStarts);
        return new Rendered(text, tokenizer.encode(text, true, protectedStarts));
    }

    /** Checks the OpenAI message shapes a template relies on, and gives null content the form templates accept. */
    private static Object normaliseMessages(JsonNode messages) {
        if (messages == null || messages.isNull()) throw ApiException.invalid("messages", "'messages' is required");
        if (!messages.isArray()) throw ApiException.invalid("messages", "'messages' must be an array of message objects");
        if (messages.isEmpty()) throw ApiException.invalid("messages", "'messages' must contain at least one message");
        List<Object> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String param = "messages[" + i + "]";
            if (!m.isObject()) throw ApiException.invalid(param, param + " must be an object");
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual()) throw ApiException.invalid(param + ".role", param + ".role must be a string");
            JsonNode content = m.get("content");
            if (content != null && !content.isNull() && !content.isTextual() && !content.isArray()) {
                throw ApiException.invalid(param + ".content", param + ".content must be a string or an array of content parts");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> message = (Map<String, Object>) JsonToJava.convert(m);
            // OpenAI clients send "content": null on assistant tool-call turns; chat templates (Qwen3-VL's among
            // them) fail on None, and render "" exactly like a missing key.
            if (message.containsKey("content") && message.get("content") == null) message.put("content", "");
            out.add(message);
        }
        return out;
    }

    /** Marks control-token texts in every string of a request value (see the class comment). */
    private Object escape(Object value) {
        return switch (value) {
            case String s -> escapeString(s);
            case Map<?, ?> map -> {
                Map<String, Object> out = new LinkedHashMap<>();
                for (var e : map.entrySet()) out.put((String) e.getKey(), escape(e.getValue()));
                yield out;
            }
            case List<?> list -> {
                List<Object> out = new ArrayList<>(list.size());
                for (Object o : list) out.add(escape(o));
                yield out;
            }
            case null, default -> value;
        };
    }

    String escapeString(String s) {
        if (!mayNeedEscaping(s)) return s;
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == MARK) {
                b.append(MARK).append(MARK);
                continue;
            }
            for (String t : controlTexts) {
                if (s.startsWith(t, i)) {
                    b.append(MARK);
                    break;
                }
            }
            b.append(c);
        }
        return b.toString();
    }

    private boolean mayNeedEscaping(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == MARK || controlFirstChars.indexOf(c) >= 0) return true;
        }
        return false;
    }

    /** Removes the marks, recording where a marked (protected) control-token text starts in the result. */
    static String unmark(String marked, BitSet protectedStarts) {
        if (marked.indexOf(MARK) < 0) return marked;
        StringBuilder b = new StringBuilder(marked.length());
        for (int i = 0; i < marked.length(); i++) {
            char c = marked.charAt(i);
            if (c != MARK) {
                b.append(c);
            } else if (i + 1 < marked.length() && marked.charAt(i + 1) == MARK) {
                b.append(MARK);
                i++;
            } else {
                protectedStarts.set(b.length());
            }
        }
        return b.toString();
    }

    private static String unescapeForDisplay(String s) {
        return s == null ? null : unmark(s, new BitSet());
    }
}
