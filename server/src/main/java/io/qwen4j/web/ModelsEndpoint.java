package io.qwen4j.web;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.api.ModelCard;
import io.qwen4j.api.ModelCatalogue;
import io.qwen4j.gateway.Price;
import io.qwen4j.gateway.PriceTable;

import java.util.Optional;

/** {@code GET /v1/models} (every catalogue entry) and {@code GET /v1/models/{id}}, priced from the gateway's price table. */
final class ModelsEndpoint {
    private final ModelCatalogue catalogue;
    private final PriceTable prices;
    private final HttpJson json;

    ModelsEndpoint(ModelCatalogue catalogue, PriceTable prices, HttpJson json) {
        this.catalogue = catalogue;
        this.prices = prices;
        this.json = json;
    }

    ObjectNode list() {
        ObjectNode out = json.mapper.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        for (ModelCard m : catalogue.models()) data.add(card(m));
        return out;
    }

    ObjectNode one(String id) {
        return card(catalogue.card(id));
    }

    private ObjectNode card(ModelCard m) {
        ObjectNode o = json.mapper.createObjectNode();
        o.put("id", m.id()).put("object", "model").put("created", m.created()).put("owned_by", m.ownedBy());
        o.put("context_length", m.contextLength()).put("max_model_len", m.contextLength());
        ObjectNode arch = o.putObject("architecture");
        var input = m.capabilities().inputModalities();
        var output = m.capabilities().outputModalities();
        arch.set("input_modalities", json.mapper.valueToTree(input));
        arch.set("output_modalities", json.mapper.valueToTree(output));
        arch.put("modality", String.join("+", input) + "->" + String.join("+", output));
        arch.put("tokenizer", m.tokenizer());
        o.putObject("top_provider").put("context_length", m.contextLength()).put("max_completion_tokens", m.maxCompletionTokens()).put("is_moderated", false);
        o.put("max_completion_tokens", m.maxCompletionTokens());
        o.set("supported_parameters", json.mapper.valueToTree(m.supportedParameters()));
        Optional<Price> price = prices.of(m.id());
        if (price.isEmpty()) {
            o.putNull("pricing");
        } else {
            o.putObject("pricing").put("input_per_1k", price.get().input()).put("output_per_1k", price.get().output())
                    .put("currency", price.get().currency());
        }
        return o;
    }
}
