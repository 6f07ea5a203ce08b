package io.qwen4j.synth;

import io.qwen4j.gguf.GgmlType;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufTensorInfo;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.ModelArchitectures;
import io.qwen4j.model.SequenceChunk;
import io.qwen4j.model.TextModel;
import io.qwen4j.tensor.WorkerPool;
import io.qwen4j.testing.TestData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class SyntheticModelTest {

    @TempDir
    Path tmp;

    /** The tiny preset has llama.cpp's file for file: keys, tensor names, shapes, order and types; and it runs. */
    @Tag("slow")
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K_M", "Q6_K"})
    void tinyTextModelMatchesLlamaCppsFileAndRuns(String type) throws Exception {
        Path out = tmp.resolve("tiny-" + type + ".gguf");
        try (GgufFile fixture = GgufFile.open(TestData.path("models/qwen3vl-tiny-" + type + ".gguf"))) {
            SyntheticModel.preset("tiny").writeText(out, FileType.parse(type), fixture.metadata(), 42);
            try (GgufFile synth = GgufFile.open(out); WorkerPool pool = new WorkerPool(2)) {
                assertThat(synth.metadata().keys()).containsExactlyElementsOf(fixture.metadata().keys());
                assertThat(synth.metadata().getInt("general.file_type", -1)).isEqualTo(fixture.metadata().getInt("general.file_type", -2));
                assertThat(describe(synth)).containsExactlyInAnyOrderElementsOf(describe(fixture));

                TextModel model = ModelArchitectures.BUILT_IN.of(synth).load(synth, pool);
                try (PagedKvCache cache = model.newKvCache(64, PagedKvCache.Storage.F16)) {
                    var seq = cache.newSequence();
                    float[] logits = model.step(cache, List.of(SequenceChunk.text(seq, new int[] {1, 2, 3, 4, 5}, 0))).logits(0);
                    assertThat(logits).hasSize(4122);
                    for (float f : logits) assertThat(Float.isFinite(f)).isTrue();
                    float[] next = model.step(cache, List.of(SequenceChunk.text(seq, new int[] {6}, 5))).logits(0);
                    for (float f : next) assertThat(Float.isFinite(f)).isTrue();
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"F32", "F16"})
    void tinyVisionTowerMatchesLlamaCppsFile(String type) throws Exception {
        Path out = tmp.resolve("mmproj-" + type + ".gguf");
        SyntheticModel.preset("tiny").writeVision(out, FileType.parse(type), 7);
        try (GgufFile fixture = GgufFile.open(TestData.path("models/mmproj-qwen3vl-tiny-" + type + ".gguf"));
             GgufFile synth = GgufFile.open(out)) {
            assertThat(synth.metadata().keys()).containsExactlyElementsOf(fixture.metadata().keys());
            assertThat(describe(synth)).containsExactlyInAnyOrderElementsOf(describe(fixture));
        }
    }

    /** Q4_K_M on 28 layers: llama.cpp's use_more_bits picks 0-2, 5, 8, ..., 23 and 24-27 for Q6_K. */
    @Test
    void q4KMixFollowsUseMoreBits() {
        List<Integer> more = IntStream.range(0, 28).filter(l -> FileType.Q4_K_M.textTensorType("blk." + l + ".ffn_down.weight", 6144, 2, 28, true) == GgmlType.Q6_K).boxed().toList();
        assertThat(more).containsExactly(0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27);
        assertThat(FileType.Q4_K_M.textTensorType("blk.4.attn_q.weight", 2048, 2, 28, true)).isEqualTo(GgmlType.Q4_K);
        assertThat(FileType.Q4_0.textTensorType("token_embd.weight", 2048, 2, 28, true)).isEqualTo(GgmlType.Q6_K);
        assertThat(FileType.Q4_0.textTensorType("token_embd.weight", 4096, 2, 36, false)).isEqualTo(GgmlType.Q4_0);
        assertThat(FileType.Q4_0.textTensorType("output.weight", 4096, 2, 36, false)).isEqualTo(GgmlType.Q6_K);
        assertThat(FileType.Q8_0.textTensorType("token_embd.weight", 2048, 2, 28, true)).isEqualTo(GgmlType.Q8_0);
        assertThat(FileType.Q4_K_M.visionTensorType("v.blk.0.attn_out.weight", 1152, 2)).isEqualTo(GgmlType.Q5_0);
        assertThat(SyntheticModel.preset("qwen3-vl-2b").textBytes(FileType.Q8_0)).isBetween(1_800_000_000L, 1_900_000_000L);
    }

    @Test
    void rowsAreTheSameWhicheverWayTheyAreCut() {
        float[] whole = new float[6 * 10], parts = new float[6 * 10], part = new float[4 * 10];
        SyntheticModel.fillRows(99, 0, 6, 10, 1f, 0f, whole);
        SyntheticModel.fillRows(99, 0, 2, 10, 1f, 0f, part);
        System.arraycopy(part, 0, parts, 0, 20);
        SyntheticModel.fillRows(99, 2, 4, 10, 1f, 0f, part);
        System.arraycopy(part, 0, parts, 20, 40);
        assertThat(parts).containsExactly(whole);
        for (float f : whole) assertThat(f).isBetween(-1f, 1f);
    }

    private static List<String> describe(GgufFile f) {
        List<String> out = new ArrayList<>();
        for (GgufTensorInfo t : f.tensorInfos().values()) out.add(t.name() + " " + t.type() + " " + java.util.Arrays.toString(t.ne()));
        return out;
    }
}
