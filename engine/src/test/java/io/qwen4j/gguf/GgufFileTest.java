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

    /** The huge-page copy holds the same bytes and header as the mapping; where it cannot be made, it says why. */
    @Test
    void hugePageCopyHasTheMappedBytes() throws Exception {
        java.nio.file.Path path = TestData.path("models/qwen3vl-tiny-Q8_0.gguf");
        try (GgufFile mapped = GgufFile.open(path); GgufFile copy = GgufFile.open(path, GgufFile.Memory.HUGE_PAGES)) {
            assertThat(mapped.memory()).isEqualTo(GgufFile.Memory.MAPPED);
            if (HugePages.available()) {
                assertThat(copy.memory()).isEqualTo(GgufFile.Memory.HUGE_PAGES);
                assertThat(copy.memoryNote()).startsWith("copied into anonymous memory");
                assertThat(copy.mapping().address() % HugePages.SIZE).isZero();
            } else {
                assertThat(copy.memoryNote()).startsWith("memory-mapped (no huge-page copy: ");
            }
            assertThat(copy.mapping().mismatch(mapped.mapping())).isEqualTo(-1L);
            assertThat(copy.tensorInfos().keySet()).containsExactlyElementsOf(mapped.tensorInfos().keySet());
            assertThat(copy.metadata().requireString("general.architecture")).isEqualTo("qwen3vl");
            assertThat(copy.tensorData("blk.0.attn_q.weight").mismatch(mapped.tensorData("blk.0.attn_q.weight"))).isEqualTo(-1L);
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
