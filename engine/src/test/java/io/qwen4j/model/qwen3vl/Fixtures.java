package io.qwen4j.model.qwen3vl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.testing.TestData;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** Reading the reference fixtures, and the comparison rule of testdata/README.md §4 / hf/README.md. */
final class Fixtures {
    private Fixtures() {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Largest |Δlogprob| seen per label, printed by the tests for the record. */
    static final Map<String, Double> MAX_DELTA = new TreeMap<>();

    static JsonNode json(String relative) throws IOException {
        return JSON.readTree(TestData.path(relative).toFile());
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    /** Raw little-endian float32 file as {@code rows} rows of {@code cols}. */
    static float[][] f32Rows(Path file, int cols) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int rows = b.remaining() / 4 / cols;
        float[][] out = new float[rows][cols];
        for (float[] r : out) for (int c = 0; c < cols; c++) r[c] = b.getFloat();
        return out;
    }

    /** log-softmax value of one id in a logits row. */
    static double logprob(float[] logits, int off, int vocab, int id, double lse) {
        return logits[off + id] - lse;
    }

    static synchronized void record(String label, double delta) {
        MAX_DELTA.merge(label, delta, Math::max);
    }
}
