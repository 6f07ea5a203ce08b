package io.qwen4j.model.qwen3vl;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.image.ImageDecoder;
import io.qwen4j.image.ImagePreprocessor;
import io.qwen4j.image.PixelValues;
import io.qwen4j.model.ImageEmbeddings;
import io.qwen4j.model.Ops;
import io.qwen4j.tensor.WorkerPool;
import io.qwen4j.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The vision tower of mmproj-tiny-a-F32.gguf against Hugging Face (testdata/hf/tiny-a): our own
 * preprocessing of each chat's images must give the processor's pixel_values bit for bit, and the encoder's
 * main and deepstack outputs must match the full reference tensors (and the summaries of every case)
 * within 5e-5 absolute (row norms 5e-6 relative).
 */
class VisionEncoderReferenceTest {

    static final double TOLERANCE = 5e-5, NORM_TOLERANCE = 5e-6;
    static WorkerPool pool;
    static GgufFile gguf;
    static Qwen3VlVisionEncoder encoder;

    @BeforeAll
    static void load() throws Exception {
        pool = new WorkerPool(2);
        gguf = GgufFile.open(TestData.path("hf/tiny-a/mmproj-tiny-a-F32.gguf"));
        encoder = Qwen3VlVisionEncoder.load(gguf, pool);
    }

    @AfterAll
    static void close() {
        gguf.close();
        pool.close();
        System.out.println("vision max |d| vs HF: " + Fixtures.MAX_DELTA);
    }

    @Test
    void configIsReadFromTheMmproj() {
        Qwen3VlVisionConfig c = encoder.config();
        assertThat(c.width()).isEqualTo(64);
        assertThat(c.layers()).isEqualTo(4);
        assertThat(c.heads()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(32);
        assertThat(c.ffnDim()).isEqualTo(256);
        assertThat(c.patchSize()).isEqualTo(16);
        assertThat(c.mergeSize()).isEqualTo(2);
        assertThat(c.positionGrid()).isEqualTo(8);
        assertThat(c.outDim()).isEqualTo(256);
        assertThat(c.deepstackLayers()).containsExactly(0, 2, 3);
        assertThat(c.minPixels()).isEqualTo(65_536);
        assertThat(c.maxPixels()).isEqualTo(16_777_216);
    }

    /** Our preprocessing of a chat's images, checked against the processor's tensor. */
    static List<PixelValues> pixelValues(JsonNode ref, Qwen3VlVisionConfig config) throws Exception {
        ImagePreprocessor pre = new ImagePreprocessor(config.preprocessorConfig());
        List<PixelValues> out = new ArrayList<>();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (JsonNode img : ref.get("images")) {
            byte[] bytes = Files.readAllBytes(TestData.path("hf/tiny-a/" + img.get("file").asText()));
            PixelValues pv = pre.preprocess(new ImageDecoder().decode(bytes));
            assertThat(new int[] {pv.gridT(), pv.gridH(), pv.gridW()}).as(img.get("file").asText()).containsExactly(Fixtures.ints(img.get("grid_thw")));
            assertThat(pv.resizedHeight()).as(img.get("file").asText()).isEqualTo(img.get("resized_height").asInt());
            assertThat(pv.resizedWidth()).as(img.get("file").asText()).isEqualTo(img.get("resized_width").asInt());
            assertThat(pv.tokens()).as(img.get("file").asText()).isEqualTo(img.get("n_image_tokens").asInt());
            ByteBuffer b = ByteBuffer.allocate(pv.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(pv.values());
            sha.update(b.array());
            out.add(pv);
        }
        assertThat(HexFormat.of().formatHex(sha.digest())).as("pixel_values sha256").isEqualTo(ref.get("pixel_values").get("sha256_f32le").asText());
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"i_grad64", "i_stripes", "i_checker_system", "i_shapes_textfirst", "i_noisy_1040x720", "i_alpha",
            "i_two_images", "i_multiturn"})
    void encoderOutputsMatch(String name) throws Exception {
        JsonNode ref = Fixtures.json("hf/tiny-a/chats/" + name + ".json");
        List<PixelValues> images = pixelValues(ref, encoder.config());
        List<ImageEmbeddings> out = encoder.encode(images);
        for (int k = 0; k < images.size(); k++) {
            JsonNode v = ref.get("vision").get("images").get(k);
            ImageEmbeddings e = out.get(k);
            assertThat(e.mergedRows()).as("%s image %d", name, k).isEqualTo(images.get(k).gridH() / 2);
            compare(e.main(), v.get("main"), name + " main");
            for (int j = 0; j < 3; j++) compare(e.deepstack()[j], v.get("deepstack").get(j), name + " ds" + j);
            JsonNode files = v.get("full_tensors");
            if (files != null && !files.isNull()) {
                compareFull(e.main(), files.get("main").asText(), name + " full main");
                for (int j = 0; j < 3; j++) compareFull(e.deepstack()[j], files.get("ds" + j).asText(), name + " full ds" + j);
            }
        }
    }

    static void compare(float[][] rows, JsonNode s, String label) {
        assertThat(new int[] {rows.length, rows[0].length}).containsExactly(Fixtures.ints(s.get("shape")));
        for (int r = 0; r < 3; r++) {
            JsonNode first = s.get("first_rows").get(r);
            for (int i = 0; i < first.size(); i++) check(rows[r][i], first.get(i).asDouble(), label + " summary");
            double l2 = 0;
            for (float x : rows[r]) l2 += (double) x * x;
            checkRelative(Math.sqrt(l2), s.get("row_l2").get(r).asDouble(), label + " row_l2");
        }
        JsonNode last = s.get("last_row_first");
        for (int i = 0; i < last.size(); i++) check(rows[rows.length - 1][i], last.get(i).asDouble(), label + " summary");
        double l2 = 0, sum = 0;
        for (float[] row : rows) for (float x : row) {
            l2 += (double) x * x;
            sum += x;
        }
        checkRelative(Math.sqrt(l2), s.get("l2").asDouble(), label + " l2");
        assertThat(sum).as(label + " sum").isCloseTo(s.get("sum").asDouble(), within(TOLERANCE * Math.sqrt(rows.length * rows[0].length) + 1e-3));
    }

    static void compareFull(float[][] rows, String file, String label) throws Exception {
        float[][] want = Fixtures.f32Rows(TestData.path("hf/tiny-a/" + file), rows[0].length);
        assertThat(want).hasNumberOfRows(rows.length);
        for (int r = 0; r < rows.length; r++) for (int i = 0; i < rows[r].length; i++) check(rows[r][i], want[r][i], label);
    }

    static void check(double got, double want, String label) {
        Fixtures.record("vision " + (label.startsWith("full") ? "full tensors" : "summaries"), Math.abs(got - want));
        assertThat(got).as(label).isCloseTo(want, within(TOLERANCE));
    }

    static void checkRelative(double got, double want, String label) {
        Fixtures.record("vision norms (relative)", Math.abs(got - want) / Math.abs(want));
        assertThat(got).as(label).isCloseTo(want, within(NORM_TOLERANCE * Math.abs(want)));
    }

    @Test
    void erfAndGeluMatchKnownValues() {
        assertThat(Ops.erf(0.5)).isCloseTo(0.5204998778130465, within(1e-15));
        assertThat(Ops.erf(1)).isCloseTo(0.8427007929497149, within(1e-15));
        assertThat(Ops.erf(2)).isCloseTo(0.9953222650189527, within(1e-15));
        assertThat(Ops.erf(2.5)).isCloseTo(0.9995930479825550, within(1e-15));
        assertThat(Ops.erf(-3)).isCloseTo(-0.9999779095030014, within(1e-15));
        assertThat(Ops.erf(4)).isCloseTo(0.9999999845827421, within(1e-15));
        assertThat(Ops.erf(1e-3)).isCloseTo(0.0011283787909692363, within(1e-18));
        assertThat(Ops.geluErf(1f)).isCloseTo(0.8413447f, within(1e-7f));
        assertThat(Ops.geluTanh(1f)).isCloseTo(0.8411920f, within(1e-7f));
    }
}
