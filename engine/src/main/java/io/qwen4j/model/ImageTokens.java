package io.qwen4j.model;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufFormatException;

import java.util.List;

/**
 * Ids of the tokens around image embeddings, looked up by their text in the model's vocabulary (never
 * hard-coded: a truncated or extended vocabulary numbers them differently).
 */
public record ImageTokens(int visionStart, int visionEnd, int imagePad) {

    public static final String VISION_START = "<|vision_start|>", VISION_END = "<|vision_end|>", IMAGE_PAD = "<|image_pad|>";

    public static ImageTokens fromVocabulary(List<String> vocabulary) {
        return new ImageTokens(find(vocabulary, VISION_START), find(vocabulary, VISION_END), find(vocabulary, IMAGE_PAD));
    }

    /** From {@code tokenizer.ggml.tokens} of a text-model GGUF. */
    public static ImageTokens from(GgufFile textModel) throws GgufFormatException {
        List<String> vocabulary = textModel.metadata().getStringList("tokenizer.ggml.tokens");
        if (vocabulary == null) throw new GgufFormatException("GGUF has no tokenizer.ggml.tokens vocabulary");
        try {
            return fromVocabulary(vocabulary);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(e.getMessage());
        }
    }

    private static int find(List<String> vocabulary, String text) {
        int id = vocabulary.indexOf(text);
        if (id < 0) throw new IllegalArgumentException("the vocabulary has no " + text + " token: not a Qwen-VL model");
        return id;
    }
}
