package io.qwen4j.testing;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.model.ImageTokens;
import io.qwen4j.model.ModelArchitecture;
import io.qwen4j.model.ModelArchitectures;
import io.qwen4j.model.TextModel;
import io.qwen4j.model.VisionEncoder;
import io.qwen4j.tensor.WorkerPool;
import io.qwen4j.tokenizer.Qwen3Tokenizer;

import java.io.IOException;

/** Hugging Face's tiny-a fixture (F32) with its vision tower on a two-thread pool: what the image scheduler tests run. */
public record TinyVisionModel(WorkerPool pool, GgufFile text, GgufFile mmproj, TextModel model, VisionEncoder encoder,
                              Qwen3Tokenizer tokenizer, ImageTokens special) implements AutoCloseable {

    public static TinyVisionModel load() throws IOException {
        WorkerPool pool = new WorkerPool(2);
        GgufFile text = GgufFile.open(TestData.path("hf/tiny-a/tiny-a-F32.gguf"));
        GgufFile mmproj = GgufFile.open(TestData.path("hf/tiny-a/mmproj-tiny-a-F32.gguf"));
        ModelArchitecture architecture = ModelArchitectures.BUILT_IN.of(text);
        return new TinyVisionModel(pool, text, mmproj, architecture.load(text, pool), architecture.loadVisionEncoder(mmproj, pool),
                Qwen3Tokenizer.fromGguf(text), ImageTokens.from(text));
    }

    @Override
    public void close() {
        text.close();
        mmproj.close();
        pool.close();
    }
}
