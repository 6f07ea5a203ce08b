package io.qwen4j.local;

import io.qwen4j.api.ToolCallDelta;
import io.qwen4j.model.qwen3vl.Qwen3VlChatFormat;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ToolCallParserTest {

    /** Feeds the text in pieces of {@code step} characters; returns content and calls (name → arguments). */
    static List<String> parse(String text, int step) {
        ToolCallParser p = new ToolCallParser(Qwen3VlChatFormat.FORMAT.toolCall());
        StringBuilder content = new StringBuilder();
        List<StringBuilder> calls = new ArrayList<>();
        List<ToolCallParser.Parts> parts = new ArrayList<>();
        for (int i = 0; i < text.length(); i += step) parts.add(p.push(text.substring(i, Math.min(text.length(), i + step))));
        parts.add(p.finish());
        for (ToolCallParser.Parts part : parts) {
            content.append(part.content());
            for (ToolCallDelta d : part.calls()) {
                if (d.index() == calls.size()) {
                    assertThat(d.id()).startsWith("call_").hasSize(29);
                    calls.add(new StringBuilder(d.name()).append(" → "));
                } else {
                    assertThat(d.id()).isNull();
                }
                calls.get(d.index()).append(d.arguments());
            }
        }
        List<String> out = new ArrayList<>();
        out.add(content.toString());
        for (StringBuilder c : calls) out.add(c.toString());
        return out;
    }

    @Test
    void splitsContentAndCallsWhateverThePieces() {
        String text = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Pa}ris\", \"n\": {\"a\": 1}}}\n</tool_call>\n"
                + "<tool_call>\n{\"name\": \"ping\", \"arguments\": {}}\n</tool_call>";
        for (int step = 1; step <= text.length(); step++) {
            assertThat(parse(text, step)).as("step " + step).containsExactly("Let me check.",
                    "get_weather → {\"city\": \"Pa}ris\", \"n\": {\"a\": 1}}", "ping → {}");
        }
    }

    @Test
    void plainTextAndOddShapes() {
        assertThat(parse("Hello <b>there</b>\n", 3)).containsExactly("Hello <b>there</b>\n");
        assertThat(parse("<tool_call>{\"arguments\": {\"x\": 1}, \"name\": \"f\"}</tool_call>", 4)).containsExactly("", "f → {\"x\":1}");
        assertThat(parse("a<tool_call>not json</tool_call>b", 2)).containsExactly("anot jsonb"); // never the tags
        // Cut by max_tokens inside a call: the unfinished arguments are given as they are.
        assertThat(parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": [1, 2", 5)).containsExactly("", "f → {\"x\": [1, 2");
    }

    @Test
    void aCallCutByMaxTokensLeaksNoTagText() {
        String call = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": {\"n\": \"Paris\"}}}\n</tool_call>";
        for (int cut = Qwen3VlChatFormat.FORMAT.toolCall().open().length(); cut < call.length(); cut++) { // the tags are single tokens
            String text = "Sure.\n" + call.substring(0, cut);
            for (int step = 1; step <= 7; step++) {
                List<String> out = parse(text, step);
                assertThat(out.getFirst()).as(text).isEqualTo("Sure.").doesNotContain("<tool").doesNotContain("</");
                String head = call.substring(0, cut);
                if (!head.contains("\"get_weather\"")) assertThat(out).as(text).hasSize(1); // no name yet: no call
                else {
                    assertThat(out).as(text).hasSize(2);
                    String args = out.get(1).substring("get_weather → ".length());
                    assertThat(args).as(text).doesNotContain("<").doesNotContain("}}}");
                    if (head.contains("}}}")) assertThat(args).as(text).isEqualTo("{\"city\": {\"n\": \"Paris\"}}");
                }
            }
        }
    }
}
