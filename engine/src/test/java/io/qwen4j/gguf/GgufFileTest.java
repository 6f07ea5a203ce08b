package io.qwen4j.gguf;

import io.qwen4j.testing.TestData;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GgufFileTest {

    @Test
    void readsTheTinyModelHeaderAndTensors() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.path("models/qwen3vl-tiny-Q4_K_M.gguf"))) {
            assertThat(f.version()).isEqualTo(3);
            GgufMetadata m = f.metadata();
            assertThat(m.requireString("general.architecture")).isEqualTo("qwen3vl");
            assertThat(m.requireInt("qwen3vl.block_count")).isEqualTo(4);
            assertThat(m.getIntArray("qwen3vl.rope.dimension_sections")).containsExactly(12, 10, 10, 0);
            assertThat(m.getFloat("qwen3vl.rope.freq_base", 0)).isEqualTo(5_000_000f);
            assertThat(m.getStringList("tokenizer.ggml.tokens")).hasSize(4122);
            assertThat(f.tensorInfo("token_embd.weight").type()).isEqualTo(GgmlType.Q6_K);
            assertThat(f.tensorInfo("token_embd.weight").ne()).containsExactly(256, 4122);
            assertThat(f.tensorInfo("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q4_K);
            assertThat(f.tensorInfo("blk.3.ffn_down.weight").type()).isEqualTo(GgmlType.Q6_K);
            assertThat(f.tensorData("blk.0.attn_norm.weight").byteSize()).isEqualTo(256 * 4);
        }
    }

    @Test
    void readsTheFullVocabulary() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.path("tokenizer/qwen3-vocab.gguf"))) {
            assertThat(f.tensorInfos()).isEmpty();
            assertThat(f.metadata().getStringList("tokenizer.ggml.tokens")).hasSize(151936);
            assertThat(f.metadata().getStringList("tokenizer.ggml.merges")).hasSize(151387);
            assertThat(f.metadata().getIntArray("tokenizer.ggml.token_type")[151645]).isEqualTo(3);
            assertThat(f.metadata().requireString("tokenizer.chat_template")).hasSize(5292);
        }
    }
}
