package io.qwen4j.testing;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.model.ModelArchitectures;
import io.qwen4j.model.TextModel;
import io.qwen4j.tensor.WorkerPool;
import io.qwen4j.tokenizer.Qwen3Tokenizer;

import java.io.IOException;

/** The tiny F32 fixture text model and its tokenizer on a two-thread pool: what the scheduler tests run. */
public record TinyModel(WorkerPool pool, GgufFile gguf, TextModel model, Qwen3Tokenizer tokenizer) implements AutoCloseable {

    public static TinyModel load() throws IOException {
        WorkerPool pool = new WorkerPool(2);
        GgufFile gguf = GgufFile.open(TestData.path("models/qwen3vl-tiny-F32.gguf"));
        return new TinyModel(pool, gguf, ModelArchitectures.BUILT_IN.of(gguf).load(gguf, pool), Qwen3Tokenizer.fromGguf(gguf));
    }

    @Override
    public void close() {
        gguf.close();
        pool.close();
    }
}
