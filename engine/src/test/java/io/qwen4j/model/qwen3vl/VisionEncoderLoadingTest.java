package io.qwen4j.model.qwen3vl;

import io.qwen4j.gguf.GgmlDequantizer;
import io.qwen4j.gguf.GgmlType;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufFormatException;
import io.qwen4j.gguf.GgufTensorInfo;
import io.qwen4j.gguf.GgufValueType;
import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.image.ImageDecoder;
import io.qwen4j.image.ImagePreprocessor;
import io.qwen4j.image.PixelValues;
import io.qwen4j.model.ImageEmbeddings;
import io.qwen4j.tensor.WorkerPool;
import io.qwen4j.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** mmproj files that are not what the encoder needs are refused with a message naming the problem. */
class VisionEncoderLoadingTest {

    static WorkerPool pool;
    static GgufFile source;

    @TempDir
    Path tmp;

    @BeforeAll
    static void open() throws Exception {
        pool = new WorkerPool(2);
        source = GgufFile.open(TestData.path("hf/tiny-a/mmproj-tiny-a-F32.gguf"));
    }

    @AfterAll
    static void close() {
        source.close();
        pool.close();
    }

    /** A copy of tiny-a's mmproj with metadata edited and some tensors left out. */
    Path variant(Consumer<GgufWriter> edit, Predicate<String> keepTensor) throws Exception {
        GgufWriter w = new GgufWriter().putAll(source.metadata());
        for (GgufTensorInfo t : source.tensorInfos().values()) {
            if (keepTensor.test(t.name())) w.addTensor(t.name(), t.type(), t.ne(), source.tensorData(t));
        }
        edit.accept(w);
        Path out = tmp.resolve("variant-" + System.nanoTime() + ".gguf");
        w.write(out);
        return out;
    }

    String loadError(Path file) throws Exception {
        try (GgufFile f = GgufFile.open(file)) {
            Qwen3VlVisionEncoder.load(f, pool);
            return null;
        } catch (GgufFormatException e) {
            return e.getMessage();
        }
    }

    @Test
    void refusesOtherProjectors() throws Exception {
        assertThat(loadError(variant(w -> w.putString("clip.projector_type", "qwen2vl_merger"), n -> true)))
                .isEqualTo("mmproj projector 'qwen2vl_merger' is not supported (this engine runs Qwen3-VL: 'qwen3vl_merger')");
        assertThat(loadError(variant(w -> w.remove("clip.projector_type"), n -> true))).isEqualTo("mmproj file has no clip.projector_type");
    }

    @Test
    void refusesATextModel() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.path("hf/tiny-a/tiny-a-F32.gguf"))) {
            assertThatThrownBy(() -> Qwen3VlVisionEncoder.load(f, pool)).isInstanceOf(GgufFormatException.class)
                    .hasMessage("not a vision projector (mmproj) file: general.architecture is 'qwen3vl', expected 'clip'");
        }
    }

    @Test
    void namesMissingTensors() throws Exception {
        assertThat(loadError(variant(w -> { }, n -> !n.equals("v.blk.2.attn_qkv.weight")))).isEqualTo("mmproj tensor 'v.blk.2.attn_qkv.weight' is missing");
        assertThat(loadError(variant(w -> { }, n -> !n.equals("v.patch_embd.weight.1"))))
                .startsWith("tensor 'v.patch_embd.weight.1' is missing");
        assertThat(loadError(variant(w -> { }, n -> !n.startsWith("v.deepstack.2."))))
                .isEqualTo("deepstack layer 2 is flagged but tensors 'v.deepstack.2.*' are missing");
        assertThat(loadError(variant(w -> w.putArray("clip.vision.is_deepstack_layers", GgufValueType.BOOL, new boolean[] {true, false, false, true}), n -> true)))
                .isEqualTo("deepstack layer 2 has tensors but is not flagged");
    }

    @Test
    void namesWrongShapes() throws Exception {
        assertThat(loadError(variant(w -> w.putUint32("clip.vision.feed_forward_length", 128), n -> true)))
                .isEqualTo("mmproj tensor 'v.blk.0.ffn_up.weight' has shape [64, 256], expected [64, 128]");
    }

    /** The same tower stored as F16 (an exact conversion: tiny-a's values are F16-representable) gives the same outputs. */
    @Test
    void f16MmprojGivesTheF32Outputs() throws Exception {
        GgufWriter w = new GgufWriter().putAll(source.metadata()).put("general.file_type", GgufValueType.UINT32, 1L);
        for (GgufTensorInfo t : source.tensorInfos().values()) {
            GgmlType type = t.nDims() >= 2 ? GgmlType.F16 : GgmlType.F32;
            w.addTensor(t.name(), type, t.ne(), GgmlDequantizer.dequantize(source, t));
        }
        Path f16 = tmp.resolve("f16.gguf");
        w.write(f16);
        PixelValues pv = new ImagePreprocessor(ImagePreprocessor.Config.qwen3Vl())
                .preprocess(new ImageDecoder().decode(Files.readAllBytes(TestData.path("hf/tiny-a/images/stripes_100x37.png"))));
        try (GgufFile f = GgufFile.open(f16)) {
            ImageEmbeddings a = Qwen3VlVisionEncoder.load(source, pool).encode(List.of(pv)).getFirst();
            ImageEmbeddings b = Qwen3VlVisionEncoder.load(f, pool).encode(List.of(pv)).getFirst();
            double max = 0;
            for (int r = 0; r < a.tokens(); r++) for (int i = 0; i < a.dim(); i++) {
                max = Math.max(max, Math.abs(a.main()[r][i] - b.main()[r][i]));
                for (int k = 0; k < 3; k++) max = Math.max(max, Math.abs(a.deepstack()[k][r][i] - b.deepstack()[k][r][i]));
            }
            assertThat(max).isLessThan(1e-5);
        }
    }

    /** llama.cpp's own tiny mmproj (48×48 grid, deepstack from ViT layers 1..3, F16) loads and runs. */
    @Test
    void loadsLlamaCppMmprojFiles() throws Exception {
        for (String name : new String[] {"models/mmproj-qwen3vl-tiny-F32.gguf", "models/mmproj-qwen3vl-tiny-F16.gguf"}) {
            try (GgufFile f = GgufFile.open(TestData.path(name))) {
                Qwen3VlVisionEncoder e = Qwen3VlVisionEncoder.load(f, pool);
                assertThat(e.config().positionGrid()).isEqualTo(48);
                assertThat(e.config().deepstackLayers()).containsExactly(1, 2, 3);
                PixelValues pv = new ImagePreprocessor(e.config().preprocessorConfig())
                        .preprocess(new ImageDecoder().decode(Files.readAllBytes(TestData.path("images/i02_checker_100x37_0_checker_100x37.png"))));
                ImageEmbeddings out = e.encode(List.of(pv)).getFirst();
                assertThat(out.tokens()).isEqualTo(70);
                assertThat(out.deepstack()).hasNumberOfRows(3);
                for (float v : out.main()[0]) assertThat(Float.isFinite(v)).isTrue();
            }
        }
    }
}
