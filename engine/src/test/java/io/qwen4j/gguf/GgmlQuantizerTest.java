package io.qwen4j.gguf;

import io.qwen4j.testing.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Quantising the F32 fixture must reproduce llama-quantize's bytes in the quantised fixtures. */
class GgmlQuantizerTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Q8_0", "Q4_0", "Q4_K_M", "Q6_K"})
    void quantisingTheF32ModelReproducesLlamaQuantizeBytes(String variant) throws Exception {
        try (GgufFile f32 = GgufFile.open(TestData.path("models/qwen3vl-tiny-F32.gguf"));
             GgufFile quantised = GgufFile.open(TestData.path("models/qwen3vl-tiny-" + variant + ".gguf"))) {
            List<String> mismatches = new ArrayList<>();
            int compared = 0;
            for (GgufTensorInfo info : quantised.tensorInfos().values()) {
                if (!info.type().isQuantized()) continue;
                float[] source = GgmlDequantizer.dequantize(f32, f32.tensorInfo(info.name()));
                byte[] expected = quantised.tensorData(info).toArray(ValueLayout.JAVA_BYTE);
                byte[] actual = GgmlQuantizer.quantize(info.type(), source);
                compared++;
                long firstDiff = MemorySegment.ofArray(expected).mismatch(MemorySegment.ofArray(actual));
                if (firstDiff >= 0) mismatches.add(info.name() + " " + info.type() + " first differs at byte " + firstDiff);
            }
            assertThat(compared).isGreaterThan(0);
            assertThat(mismatches).isEmpty();
        }
    }
}
