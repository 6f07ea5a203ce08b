package io.qwen4j.api;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelCatalogueTest {

    /** A backend that only has models. */
    record Named(List<String> ids, ModelCapabilities capabilities) implements ChatBackend {
        @Override
        public List<ModelCard> models() {
            return ids.stream().map(id -> new ModelCard(id, 0, "test", 100, 99, capabilities, List.of(), "test")).toList();
        }

        @Override
        public GenerationStream chat(ChatCompletionRequest request, GenerationListener listener) {
            throw new UnsupportedOperationException();
        }

        @Override
        public GenerationStream complete(CompletionRequest request, GenerationListener listener) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String systemFingerprint() {
            return "fp_test";
        }
    }

    @Test
    void routesEachModelToItsBackendAndListsTheUnion() {
        Named a = new Named(List.of("a", "a-alias"), ModelCapabilities.TEXT);
        Named b = new Named(List.of("b"), ModelCapabilities.of(ModelCapabilities.Feature.IMAGES));
        ModelCatalogue catalogue = ModelCatalogue.of(a, b);
        assertThat(catalogue.backend("a-alias")).isSameAs(a);
        assertThat(catalogue.backend("b")).isSameAs(b);
        assertThat(catalogue.first()).isSameAs(a);
        assertThat(catalogue.models()).extracting(ModelCard::id).containsExactly("a", "a-alias", "b");
        assertThat(catalogue.card("b").capabilities().inputModalities()).containsExactly("text", "image");
    }

    @Test
    void anUnknownModelIsOpenAisModelNotFound() {
        ModelCatalogue catalogue = ModelCatalogue.of(new Named(List.of("a"), ModelCapabilities.TEXT));
        assertThatThrownBy(() -> catalogue.backend("gpt-4o")).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.code()).isEqualTo("model_not_found");
            assertThat(e.param()).isEqualTo("model");
        });
    }

    @Test
    void twoBackendsMayNotServeOneName() {
        assertThatThrownBy(() -> ModelCatalogue.of(new Named(List.of("a"), ModelCapabilities.TEXT), new Named(List.of("a"), ModelCapabilities.TEXT)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a'");
    }
}
