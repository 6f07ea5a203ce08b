package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.api.ApiException;
import io.qwen4j.api.ChatBackend;
import io.qwen4j.api.ChatMessage;
import io.qwen4j.api.JsonFields;
import io.qwen4j.api.ModelCard;
import io.qwen4j.api.ModelCatalogue;
import io.qwen4j.api.TokenizingBackend;

import java.util.List;

/**
 * {@code POST /tokenize} and {@code POST /detokenize}, as vLLM and llama.cpp have them: routed by {@code model}
 * like the generating endpoints, to the first catalogue entry when the request names none.
 */
final class TokenizerEndpoints {
    private final ModelCatalogue catalogue;
    private final HttpJson json;

    TokenizerEndpoints(ModelCatalogue catalogue, HttpJson json) {
        this.catalogue = catalogue;
        this.json = json;
    }

    ObjectNode tokenize(JsonNode body) {
        ModelCard model = model(body);
        TokenizingBackend t = tokenizer(model);
        int[] ids;
        boolean hasPrompt = body.hasNonNull("prompt");
        boolean hasMessages = body.hasNonNull("messages");
        if (hasPrompt == hasMessages) {
            throw ApiException.invalid(hasPrompt ? "messages" : "prompt", "give exactly one of 'prompt' (a string) or 'messages' (a chat)");
        }
        if (hasPrompt) {
            String prompt = JsonFields.string(body, "prompt", null);
            // As in llama.cpp's and vLLM's /tokenize, special tokens in a raw prompt are recognised unless the
            // caller asks for plain text ("parse_special": false, llama.cpp's name).
            ids = t.tokenize(prompt, JsonFields.bool(body, "parse_special", true));
        } else {
            List<ChatMessage> messages = ChatMessage.readAll(body.get("messages"));
            model.capabilities().checkInputs(model.id(), messages);
            boolean addGenerationPrompt = JsonFields.bool(body, "add_generation_prompt", true);
            JsonNode kwargs = body.get("chat_template_kwargs");
            if (kwargs != null && !kwargs.isNull() && !kwargs.isObject()) {
                throw ApiException.invalid("chat_template_kwargs", "'chat_template_kwargs' must be an object");
            }
            ids = t.tokenizeChat(messages, body.get("tools"), kwargs, addGenerationPrompt);
        }
        ObjectNode out = json.mapper.createObjectNode();
        ArrayNode tokens = out.putArray("tokens");
        for (int id : ids) tokens.add(id);
        out.put("count", ids.length);
        out.put("max_model_len", t.maxModelLen());
        return out;
    }

    ObjectNode detokenize(JsonNode body) {
        TokenizingBackend t = tokenizer(model(body));
        int[] ids = JsonFields.tokenIds(body, "tokens", t.vocabularySize());
        return json.mapper.createObjectNode().put("prompt", t.detokenize(ids));
    }

    /** The model the request names, else the catalogue's first; 404 model_not_found for a name nobody answers to. */
    private ModelCard model(JsonNode body) {
        String name = JsonFields.string(body, "model", null);
        if (name != null) return catalogue.card(name);
        return catalogue.first().models().getFirst();
    }

    private TokenizingBackend tokenizer(ModelCard model) {
        ChatBackend backend = catalogue.backend(model.id());
        return backend.tokenizer().orElseThrow(() -> ApiException.notFound("the model '" + model.id() + "' has no tokenizer endpoint"));
    }
}
