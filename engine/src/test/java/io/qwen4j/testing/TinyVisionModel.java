package io.qwen4j.testing;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.model.ImageTokens;
import io.qwen4j.model.Qwen3VlTextModel;
import io.qwen4j.model.Qwen3VlVisionEncoder;
import io.qwen4j.tensor.WorkerPool;
import io.qwen4j.tokenizer.Qwen3Tokenizer;

import java.io.IOException;

/** Hugging Face's tiny-a fixture (F32) with its vision tower on a two-thread pool: what the image scheduler tests run. */
public record TinyVisionModel(WorkerPool pool, GgufFile text, GgufFile mmproj, Qwen3VlTextModel model, Qwen3VlVisionEncoder encoder,
                              Qwen3Tokenizer tokenizer, ImageTokens special) implements AutoCloseable {

    public static TinyVisionModel load() throws IOException {
        WorkerPool pool = new WorkerPool(2);
        GgufFile text = GgufFile.open(TestData.path("hf/tiny-a/tiny-a-F32.gguf"));
        GgufFile mmproj = GgufFile.open(TestData.path("hf/tiny-a/mmproj-tiny-a-F32.gguf"));
        return new TinyVisionModel(pool, text, mmproj, Qwen3VlTextModel.load(text, pool), Qwen3VlVisionEncoder.load(mmproj, pool),
                Qwen3Tokenizer.fromGguf(text), ImageTokens.from(text));
    }

    @Override
    public void close() {
        text.close();
        mmproj.close();
        pool.close();
    }
}
