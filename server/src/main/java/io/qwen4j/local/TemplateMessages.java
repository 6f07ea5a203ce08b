package io.qwen4j.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.api.ApiException;
import io.qwen4j.api.ChatMessage;
import io.qwen4j.api.ContentPart;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A chat as the chat template renders it: the messages as sent, with the {@code developer} role as {@code system},
 * {@code verbosity} as a system instruction, and each image part as {@code {"type": "image"}} (the template only
 * places the image's tokens and never sees its data). The image parts are collected, in the order the template
 * renders them, for the vision tower to read.
 *
 * @param json   the template's {@code messages}
 * @param images the image parts, in prompt order
 */
record TemplateMessages(JsonNode json, List<VisionTower.Part> images) {

    /**
     * What {@code verbosity} does for a model with no native control: an instruction added to the system message
     * (a system message is created when the chat has none). {@code medium} is the model's own default and adds nothing.
     */
    static final Map<String, String> VERBOSITY_INSTRUCTIONS = Map.of(
            "low", "Be concise: answer in as few words as the question allows.",
            "high", "Be thorough: answer in full detail, with explanations and examples.");

    /** @param vision the tower that will read the images (null: text only, and the chat has no image parts) */
    static TemplateMessages of(List<ChatMessage> messages, String verbosity, VisionTower vision) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        List<VisionTower.Part> images = new ArrayList<>();
        for (ChatMessage m : messages) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode().setAll(m.json()); // shallow: content parts are replaced, not edited
            if (m.role().equals("developer")) copy.put("role", "system");
            if (m.json().path("content").isArray()) copy.set("content", parts(m, vision, images));
            out.add(copy);
        }
        String instruction = verbosity == null ? null : VERBOSITY_INSTRUCTIONS.get(verbosity);
        if (instruction != null) addInstruction(out, instruction);
        return new TemplateMessages(out, images);
    }

    private static ArrayNode parts(ChatMessage m, VisionTower vision, List<VisionTower.Part> images) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        JsonNode content = m.json().get("content");
        for (int j = 0; j < m.parts().size(); j++) {
            switch (m.parts().get(j)) {
                case ContentPart.Text t -> out.add(content.get(j));
                case ContentPart.Image image -> {
                    images.add(imagePart(m.role(), image, vision, images.size()));
                    out.addObject().put("type", "image");
                }
            }
        }
        return out;
    }

    private static VisionTower.Part imagePart(String role, ContentPart.Image image, VisionTower vision, int before) {
        String param = image.param();
        if (vision == null) throw new IllegalStateException(param + ": an image reached a backend without a vision tower");
        // Qwen3-VL's template places images of user and tool messages only, and would drop others silently.
        if (!role.equals("user") && !role.equals("tool")) {
            throw ApiException.invalid(param, param + " is an image in a '" + role + "' message; images are read in user and tool messages only");
        }
        if (before >= vision.options().maxImagesPerRequest()) {
            throw ApiException.invalid(param, param + " is one image too many: at most " + vision.options().maxImagesPerRequest()
                    + " images per request (--max-images-per-request)");
        }
        return new VisionTower.Part(param, ImageSource.of(image.part(), param, vision.options().maxImageBytes()));
    }

    private static void addInstruction(ArrayNode messages, String instruction) {
        JsonNode first = messages.get(0);
        if ("system".equals(first.path("role").asText(null)) && first.path("content").isTextual()) {
            ((ObjectNode) first).put("content", first.get("content").textValue() + "\n\n" + instruction);
        } else if ("system".equals(first.path("role").asText(null)) && first.path("content").isArray()) {
            ((ArrayNode) first.get("content")).addObject().put("type", "text").put("text", "\n\n" + instruction);
        } else {
            messages.insert(0, JsonNodeFactory.instance.objectNode().put("role", "system").put("content", instruction));
        }
    }
}
