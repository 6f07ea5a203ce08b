package io.qwen4j.web;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.kv.PagedKvCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official OpenAI Java SDK against the server, unchanged but for the base URL. */
class OpenAiSdkTest {
    static final String MODEL = "qwen/qwen3-vl-32b-instruct";
    static TestServer s;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        s = new TestServer("models/qwen3vl-tiny-Q8_0.gguf", List.of(MODEL), EngineConfig.builder(1024).parallel(4).maxQueued(16).stepTokenBudget(512).kvStorage(PagedKvCache.Storage.F16).build(),
                ApiServer.Options.defaults());
        client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + s.server.port() + "/v1").apiKey("not-needed").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        s.close();
    }

    static ChatCompletionCreateParams.Builder hello() {
        return ChatCompletionCreateParams.builder().model(MODEL).addUserMessage("你好").maxCompletionTokens(10);
    }

    @Test
    void nonStreaming() {
        ChatCompletion c = client.chat().completions().create(hello().temperature(0.0).build());
        assertThat(c.id()).startsWith("chatcmpl-");
        assertThat(c.model()).isEqualTo(MODEL);
        assertThat(c.systemFingerprint()).isPresent();
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.message().content()).isPresent();
        assertThat(choice.finishReason()).isIn(ChatCompletion.Choice.FinishReason.STOP, ChatCompletion.Choice.FinishReason.LENGTH);
        assertThat(c.usage().orElseThrow().completionTokens()).isPositive();
        assertThat(choice._additionalProperties()).containsKey("native_finish_reason");
    }

    @Test
    void streaming() {
        ChatCompletion whole = client.chat().completions().create(hello().temperature(0.0).build());
        StringBuilder text = new StringBuilder();
        long[] usage = {-1};
        String[] finish = {null};
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                hello().temperature(0.0).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                chunk.usage().ifPresent(u -> usage[0] = u.completionTokens());
                for (ChatCompletionChunk.Choice ch : chunk.choices()) {
                    ch.delta().content().ifPresent(text::append);
                    ch.finishReason().ifPresent(f -> finish[0] = f.asString());
                }
            });
        }
        assertThat(text.toString()).isEqualTo(whole.choices().getFirst().message().content().orElseThrow());
        assertThat(usage[0]).isEqualTo(whole.usage().orElseThrow().completionTokens());
        assertThat(finish[0]).isEqualTo(whole.choices().getFirst().finishReason().asString());
    }

    @Test
    void logprobsSeedStopAndN() {
        ChatCompletion lp = client.chat().completions().create(hello().temperature(0.0).logprobs(true).topLogprobs(4).build());
        List<ChatCompletionTokenLogprob> tokens = lp.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
        assertThat(tokens).isNotEmpty();
        for (ChatCompletionTokenLogprob t : tokens) {
            assertThat(t.logprob()).isLessThanOrEqualTo(0);
            assertThat(t.topLogprobs()).hasSize(4);
        }

        ChatCompletionCreateParams seeded = hello().temperature(1.3).seed(7L).n(3L).maxCompletionTokens(12)
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true)).build();
        ChatCompletion a = client.chat().completions().create(seeded), b = client.chat().completions().create(seeded);
        assertThat(a.choices()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(a.choices().get(i).message().content()).isEqualTo(b.choices().get(i).message().content());
        }

        String full = client.chat().completions().create(hello().temperature(0.0).maxCompletionTokens(24)
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true)).build()).choices().getFirst().message().content().orElseThrow();
        String stop = full.substring(6, 9);
        ChatCompletion stopped = client.chat().completions().create(hello().temperature(0.0).maxCompletionTokens(24)
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true)).stop(stop).build());
        assertThat(stopped.choices().getFirst().message().content().orElseThrow()).isEqualTo(full.substring(0, full.indexOf(stop)));
        assertThat(stopped.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    }

    @Test
    void imageInputIsRefusedNamingThePartUntilTheVisionTowerIsLoaded() {
        ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model(MODEL).maxCompletionTokens(4)
                .addUserMessageOfArrayOfContentParts(List.of(
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("What is this?").build()),
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder().imageUrl(
                                ChatCompletionContentPartImage.ImageUrl.builder().url("data:image/png;base64,iVBORw0KGgo=").build()).build())))
                .build();
        assertThatThrownBy(() -> client.chat().completions().create(p)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("messages[0].content[1]");
    }

    @Test
    void completionsAndModels() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model(MODEL).prompt("Once upon a time").maxTokens(5L).temperature(0.0).build());
        assertThat(c.choices().getFirst().text()).isNotNull();
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(5);
        List<Model> models = client.models().list().data();
        assertThat(models).extracting(Model::id).containsExactly(MODEL);
        assertThat(client.models().retrieve(MODEL).id()).isEqualTo(MODEL);
        assertThatThrownBy(() -> client.models().retrieve("gpt-4o")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> client.chat().completions().create(hello().model("gpt-4o").build())).isInstanceOf(NotFoundException.class);
    }
}
