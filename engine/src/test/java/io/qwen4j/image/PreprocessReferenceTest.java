package io.qwen4j.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.testing.TestData;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Preprocessing against transformers 5.18 (testdata/hf/preprocess): sizes and errors exactly; the resized
 * 8-bit images of both backends (torchvision = "fast", Pillow = "slow") and the pixel_values tensors bit
 * for bit (sha256 of the float32 bytes).
 */
class PreprocessReferenceTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode reference() throws Exception {
        return JSON.readTree(TestData.path("hf/preprocess/preprocess.json").toFile());
    }

    static RgbImage load(String relative) throws Exception {
        return new ImageDecoder().decode(Files.readAllBytes(TestData.path(relative)));
    }

    @Test
    void sizesAndGridsMatchSmartResize() throws Exception {
        ImagePreprocessor pre = new ImagePreprocessor(ImagePreprocessor.Config.qwen3Vl());
        for (JsonNode e : reference().get("images")) {
            SmartResize.Size s = pre.targetSize(e.get("width").asInt(), e.get("height").asInt());
            assertThat(s.height()).as(e.get("image").asText()).isEqualTo(e.get("smart_resize").get("height").asInt());
            assertThat(s.width()).as(e.get("image").asText()).isEqualTo(e.get("smart_resize").get("width").asInt());
            assertThat(s.height() * s.width() / 1024).as(e.get("image").asText()).isEqualTo(e.get("smart_resize").get("n_image_tokens").asInt());
        }
        for (JsonNode e : reference().get("error_cases")) {
            String want = e.get("fast").asText().replace("ValueError: ", "");
            assertThatThrownBy(() -> pre.targetSize(e.get("width").asInt(), e.get("height").asInt()))
                    .as("%dx%d", e.get("width").asInt(), e.get("height").asInt()).isInstanceOf(ImageException.class).hasMessage(want);
        }
    }

    @Test
    void roundsHalfToEvenAndScalesIntoTheBounds() throws Exception {
        assertThat(SmartResize.fit(720, 1040, 32, 65_536, 16_777_216)).isEqualTo(new SmartResize.Size(704, 1024));
        assertThat(SmartResize.fit(1, 1, 32, 65_536, 16_777_216)).isEqualTo(new SmartResize.Size(256, 256));
        assertThat(SmartResize.fit(3000, 4000, 32, 65_536, 16_777_216)).isEqualTo(new SmartResize.Size(3008, 4000));
        assertThat(SmartResize.fit(1080, 1920, 32, 65_536, 16_777_216)).isEqualTo(new SmartResize.Size(1088, 1920));
        assertThat(SmartResize.fit(50, 100, 32, 65_536, 16_777_216)).isEqualTo(new SmartResize.Size(192, 384));
        // Over max_pixels: scaled down with floor.
        assertThat(SmartResize.fit(6000, 8000, 32, 65_536, 16_777_216)).isEqualTo(new SmartResize.Size(3520, 4704));
    }

    @Test
    void resizedImagesAndPixelValuesMatchBothBackends() throws Exception {
        JsonNode ref = reference();
        StringBuilder report = new StringBuilder();
        for (JsonNode e : ref.get("images")) {
            RgbImage image = load("hf/preprocess/" + e.get("image").asText());
            assertThat(image.width()).as(e.get("image").asText()).isEqualTo(e.get("width").asInt());
            assertThat(image.height()).as(e.get("image").asText()).isEqualTo(e.get("height").asInt());
            for (String backendName : new String[] {"fast", "slow"}) {
                JsonNode b = e.get(backendName);
                BicubicResampler.Backend backend = backendName.equals("fast") ? BicubicResampler.Backend.TORCHVISION : BicubicResampler.Backend.PILLOW;
                ImagePreprocessor pre = new ImagePreprocessor(ImagePreprocessor.Config.qwen3Vl().withBackend(backend));
                RgbImage resized = pre.resize(image);
                assertThat(resized.height()).as("%s %s", e.get("image").asText(), backendName).isEqualTo(b.get("resized_height").asInt());
                assertThat(resized.width()).as("%s %s", e.get("image").asText(), backendName).isEqualTo(b.get("resized_width").asInt());
                RgbImage want = load("hf/preprocess/" + b.get("resized_png").asText());
                int maxDiff = 0, differing = 0;
                for (int i = 0; i < want.rgb().length; i++) {
                    int d = Math.abs((want.rgb()[i] & 0xFF) - (resized.rgb()[i] & 0xFF));
                    maxDiff = Math.max(maxDiff, d);
                    if (d != 0) differing++;
                }
                PixelValues pv = pre.patchify(resized);
                assertThat(new int[] {pv.gridT(), pv.gridH(), pv.gridW()}).as("%s %s", e.get("image").asText(), backendName).containsExactly(ints(b.get("grid_thw")));
                JsonNode summary = b.get("pixel_values");
                double sum = 0, weighted = 0;
                for (int i = 0; i < pv.values().length; i++) {
                    sum += pv.values()[i];
                    weighted += pv.values()[i] * ((i % 1013) / 1013.0);
                }
                String sha = sha256(pv.values());
                String binReport = "";
                if (b.has("pixel_values_bin")) {
                    float[] bin = f32(TestData.path("hf/preprocess/" + b.get("pixel_values_bin").asText()));
                    assertThat(bin).as("%s %s", e.get("image").asText(), backendName).hasSameSizeAs(pv.values());
                    double maxAbs = 0;
                    int diff = 0;
                    for (int i = 0; i < bin.length; i++) {
                        double d = Math.abs(bin[i] - pv.values()[i]);
                        maxAbs = Math.max(maxAbs, d);
                        if (d != 0) diff++;
                    }
                    binReport = String.format(" | .bin max|d| %.3g, %.3f%% differ", maxAbs, 100.0 * diff / bin.length);
                }
                report.append(String.format("%-22s %-4s %4dx%-4d uint8 max|d| %d, %.3f%% differ, sum %.6f (ref %.6f), sha256 %s%s%n",
                        e.get("image").asText(), backendName, resized.width(), resized.height(), maxDiff,
                        100.0 * differing / want.rgb().length, sum, summary.get("sum").asDouble(),
                        sha.equals(summary.get("sha256_f32le").asText()) ? "equal" : "differs", binReport));
                // Both backends are reproduced bit for bit: the 8-bit images and the float32 tensors.
                assertThat(maxDiff).as("%s %s max level difference", e.get("image").asText(), backendName).isZero();
                assertThat(sha).as("%s %s sha256", e.get("image").asText(), backendName).isEqualTo(summary.get("sha256_f32le").asText());
                assertThat(sum).as("%s %s", e.get("image").asText(), backendName).isCloseTo(summary.get("sum").asDouble(), within(1e-6 * Math.max(1, Math.abs(sum))));
                assertThat(weighted).as("%s %s", e.get("image").asText(), backendName).isCloseTo(summary.get("weighted_sum").asDouble(), within(1e-6 * Math.max(1, Math.abs(weighted))));
            }
        }
        System.out.print(report);
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    static float[] f32(Path file) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    static String sha256(float[] values) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }
}
