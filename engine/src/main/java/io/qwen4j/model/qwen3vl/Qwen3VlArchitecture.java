package io.qwen4j.model.qwen3vl;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufFormatException;
import io.qwen4j.model.ChatFormat;
import io.qwen4j.model.ModelArchitecture;
import io.qwen4j.model.TextModel;
import io.qwen4j.model.VisionEncoder;
import io.qwen4j.tensor.WorkerPool;

import java.util.List;

/** Qwen3-VL ({@code qwen3vl}) and plain Qwen3 ({@code qwen3}: no deepstack, 1-D RoPE), with the Qwen3-VL vision tower. */
public final class Qwen3VlArchitecture implements ModelArchitecture {

    /** The {@code general.architecture} values of the files this plug-in runs (plain Qwen3: no deepstack, 1-D RoPE). */
    static final List<String> NAMES = List.of("qwen3vl", "qwen3");

    @Override
    public List<String> names() {
        return NAMES;
    }

    @Override
    public TextModel load(GgufFile gguf, WorkerPool pool) throws GgufFormatException {
        return Qwen3VlTextModel.load(gguf, pool);
    }

    @Override
    public ChatFormat chatFormat() {
        return Qwen3VlChatFormat.FORMAT;
    }

    @Override
    public VisionEncoder loadVisionEncoder(GgufFile mmproj, WorkerPool pool) throws GgufFormatException {
        return Qwen3VlVisionEncoder.load(mmproj, pool);
    }
}
