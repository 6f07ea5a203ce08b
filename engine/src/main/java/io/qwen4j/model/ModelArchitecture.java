package io.qwen4j.model;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufFormatException;
import io.qwen4j.tensor.WorkerPool;

import java.util.List;

/**
 * One model architecture, chosen by the GGUF key {@code general.architecture} ({@link ModelArchitectures}):
 * loads its text model and its vision tower, and says how its chats are written.
 */
public interface ModelArchitecture {

    /** The {@code general.architecture} values this plug-in runs. */
    List<String> names();

    /** Loads the text decoder of {@code gguf}; the weights stay in the file's mapping (or copy). */
    TextModel load(GgufFile gguf, WorkerPool pool) throws GgufFormatException;

    ChatFormat chatFormat();

    /** Loads the vision tower of an mmproj GGUF made for this architecture's models. */
    default VisionEncoder loadVisionEncoder(GgufFile mmproj, WorkerPool pool) throws GgufFormatException {
        throw new GgufFormatException("architecture " + names().getFirst() + " has no vision tower");
    }
}
