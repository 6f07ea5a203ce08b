package io.qwen4j.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** A backend that can show its tokenizer ({@code /tokenize}, {@code /detokenize}, as vLLM and llama.cpp do). */
public interface TokenizingBackend {

    int[] tokenize(String prompt, boolean parseSpecial);

    int[] tokenizeChat(List<ChatMessage> messages, JsonNode tools, JsonNode templateKwargs, boolean addGenerationPrompt);

    String detokenize(int[] ids);

    int vocabularySize();

    int maxModelLen();
}
