package io.qwen4j.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.api.ChatMessage;
import io.qwen4j.api.TokenizingBackend;

import java.util.List;

/** The local model's tokenizer as {@code /tokenize} and {@code /detokenize} show it: the prompt as the model sees it. */
final class LocalTokenizer implements TokenizingBackend {
    private final LocalModel model;
    private final VisionTower vision; // null: text only
    private final ImagePrompt images;
    private final int contextSize;

    LocalTokenizer(LocalModel model, VisionTower vision, ImagePrompt images, int contextSize) {
        this.model = model;
        this.vision = vision;
        this.images = images;
        this.contextSize = contextSize;
    }

    @Override
    public int[] tokenize(String prompt, boolean parseSpecial) {
        return model.tokenize(prompt, parseSpecial);
    }

    @Override
    public int[] tokenizeChat(List<ChatMessage> messages, JsonNode tools, JsonNode templateKwargs, boolean addGenerationPrompt) {
        TemplateMessages chat = TemplateMessages.of(messages, null, vision);
        int[] ids = model.renderChat(chat.json(), tools, templateKwargs, addGenerationPrompt).tokens();
        return images.expandPads(ids, images.fetch(chat.images()));
    }

    @Override
    public String detokenize(int[] ids) {
        return model.detokenize(ids);
    }

    @Override
    public int vocabularySize() {
        return model.vocabularySize();
    }

    @Override
    public int maxModelLen() {
        return contextSize;
    }
}
