package io.qwen4j.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.api.ApiException;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.model.ChatFormat;
import io.qwen4j.model.ModelArchitecture;
import io.qwen4j.model.ModelArchitectures;
import io.qwen4j.template.ChatTemplate;
import io.qwen4j.template.TemplateException;
import io.qwen4j.tokenizer.Qwen3Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One model served from this process: its GGUF file, architecture, tokenizer and chat template. Turns chat messages
 * into prompt tokens; the engine (next layer down) turns tokens into tokens.
 */
public final class LocalModel implements AutoCloseable {
    private final GgufFile gguf;
    private final ModelArchitecture architecture;
    private final Qwen3Tokenizer tokenizer;
    private final ChatPrompt chatPrompt; // null when the model has no template and none was given
    private final List<String> names;
    private final int contextLength;
    private final String fileName;
    private final long fileSize;

    private LocalModel(GgufFile gguf, ModelArchitecture architecture, Qwen3Tokenizer tokenizer, ChatPrompt chatPrompt, List<String> names,
                       int contextLength, String fileName, long fileSize) {
        this.gguf = gguf;
        this.architecture = architecture;
        this.fileName = fileName;
        this.fileSize = fileSize;
        this.tokenizer = tokenizer;
        this.chatPrompt = chatPrompt;
        this.names = names;
        this.contextLength = contextLength;
    }

    /**
     * Opens {@code model} (an architecture of {@link ModelArchitectures#BUILT_IN}); the chat template is {@code templateFile}
     * if given, else the GGUF's {@code tokenizer.chat_template}, else the architecture's default. Names default to the GGUF's {@code general.name} (else the file name), as in vLLM.
     */
    public static LocalModel load(Path model, Path templateFile, List<String> servedNames) throws IOException {
        return load(model, templateFile, servedNames, GgufFile.Memory.MAPPED);
    }

    /** As {@link #load(Path, Path, List)}, with the weights in {@code memory} (see {@link GgufFile#open(Path, GgufFile.Memory)}). */
    public static LocalModel load(Path model, Path templateFile, List<String> servedNames, GgufFile.Memory memory) throws IOException {
        GgufFile gguf = GgufFile.open(model, memory);
        try {
            ModelArchitecture architecture = ModelArchitectures.BUILT_IN.of(gguf);
            Qwen3Tokenizer tokenizer = Qwen3Tokenizer.fromGguf(gguf);
            String source = templateFile != null
                    ? Files.readString(templateFile, StandardCharsets.UTF_8)
                    : gguf.metadata().getString("tokenizer.chat_template", architecture.chatFormat().defaultTemplate());
            ChatPrompt prompt = null;
            if (source != null) {
                try {
                    prompt = new ChatPrompt(ChatTemplate.compile(source), tokenizer);
                } catch (TemplateException e) {
                    throw new IOException("chat template of " + (templateFile != null ? templateFile : model) + " does not parse: " + e.getMessage(), e);
                }
            }
            String arch = gguf.metadata().getString("general.architecture", "");
            int ctx = gguf.metadata().getInt(arch + ".context_length", 0);
            List<String> names = servedNames == null || servedNames.isEmpty()
                    ? List.of(gguf.metadata().getString("general.name", model.getFileName().toString().replaceFirst("(?i)\\.gguf$", "")))
                    : List.copyOf(servedNames);
            return new LocalModel(gguf, architecture, tokenizer, prompt, names, ctx, model.getFileName().toString(), Files.size(model));
        } catch (IOException | RuntimeException e) {
            gguf.close();
            throw e;
        }
    }

    /** The open GGUF file (weights are mapped from it). */
    public GgufFile gguf() {
        return gguf;
    }

    /** What runs the weights, and how the model writes a chat (tool calls, reasoning). */
    public ModelArchitecture architecture() {
        return architecture;
    }

    public ChatFormat chatFormat() {
        return architecture.chatFormat();
    }

    public String fileName() {
        return fileName;
    }

    public long fileSize() {
        return fileSize;
    }

    public List<String> names() {
        return names;
    }

    public int contextLength() {
        return contextLength;
    }

    public int vocabularySize() {
        return tokenizer.vocabulary().size();
    }

    public Qwen3Tokenizer tokenizer() {
        return tokenizer;
    }

    public int[] tokenize(String text, boolean parseSpecial) {
        return tokenizer.encode(text, parseSpecial);
    }

    public String detokenize(int[] ids) {
        return tokenizer.decode(ids);
    }

    /** Renders a chat (OpenAI message shapes) with the chat template and tokenizes it. */
    public ChatPrompt.Rendered renderChat(JsonNode messages, JsonNode tools, JsonNode templateKwargs, boolean addGenerationPrompt) {
        if (chatPrompt == null) {
            throw new ApiException(400, "invalid_request_error", "messages", "no_chat_template",
                    "model " + names.getFirst() + " has no chat template (tokenizer.chat_template); start the server with --chat-template FILE.jinja");
        }
        return chatPrompt.render(messages, tools, templateKwargs, addGenerationPrompt);
    }

    @Override
    public void close() {
        gguf.close();
    }
}
