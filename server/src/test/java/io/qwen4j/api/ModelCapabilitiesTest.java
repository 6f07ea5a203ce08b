package io.qwen4j.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.api.ModelCapabilities.Feature;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatNoException;

class ModelCapabilitiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ChatCompletionRequest chat(String body) throws Exception {
        return ChatCompletionRequest.parse(JSON.readTree(body), false);
    }

    private static void assertRefused(ModelCapabilities caps, ChatCompletionRequest r, String param) {
        assertThatThrownBy(() -> caps.check("m", r)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.param()).isEqualTo(param);
            assertThat(e.getMessage()).contains("'m'");
        });
    }

    @Test
    void whatAModelCannotDoIsA400NamingTheParameter() throws Exception {
        ModelCapabilities text = ModelCapabilities.TEXT;
        assertRefused(text, chat("""
                {"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "what is this?"},
                  {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}]}"""), "messages[0].content[1]");
        assertRefused(text, chat("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}],
                 "tools": [{"type": "function", "function": {"name": "f"}}]}"""), "tools");
        assertRefused(text, chat("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_object"}}"""),
                "response_format");
        assertRefused(text, chat("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}], "verbosity": "low"}"""), "verbosity");
        assertRefused(text, chat("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}], "logprobs": true}"""), "logprobs");
        assertRefused(text, chat("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}], "reasoning_effort": "low"}"""), "reasoning_effort");
        assertRefused(text, chat("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}], "reasoning": {"effort": "high"}}"""), "reasoning.effort");
        ModelCapabilities oneGrammar = ModelCapabilities.of(Feature.TOOLS, Feature.STRUCTURED_OUTPUTS);
        assertRefused(oneGrammar, chat("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_object"},
                 "tools": [{"type": "function", "function": {"name": "f"}}]}"""), "response_format");
        ModelCapabilities all = ModelCapabilities.of(Feature.values());
        assertThatNoException().isThrownBy(() -> all.check("m", chat("""
                {"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": "https://example.com/a.png"}]}],
                 "logprobs": true, "verbosity": "high", "reasoning_effort": "low"}""")));
    }

    @Test
    void messagesAreCheckedWhenTheRequestIsRead() {
        assertThatThrownBy(() -> chat("""
                {"model": "m", "messages": [{"role": "user", "content": "a"}, {"role": "robot", "content": "b"}]}"""))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).isEqualTo("messages[1].role"));
        assertThatThrownBy(() -> chat("""
                {"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "input_audio"}]}]}"""))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).isEqualTo("messages[0].content[1]"));
        assertThatThrownBy(() -> chat("""
                {"model": "m", "messages": [{"role": "assistant", "content": null, "tool_calls": [{"id": "c", "type": "function", "function": {"name": 3}}]}]}"""))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).isEqualTo("messages[0].tool_calls[0].function.name"));
        assertThatThrownBy(() -> chat("""
                {"model": "m", "messages": [{"role": "tool", "tool_call_id": 5, "content": "18"}]}"""))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).isEqualTo("messages[0].tool_call_id"));
    }
}
