package io.qwen4j.model;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufFormatException;
import io.qwen4j.model.qwen3vl.Qwen3VlArchitecture;

import java.util.ArrayList;
import java.util.List;

/** The architectures this engine runs, looked up by a GGUF's {@code general.architecture}. */
public final class ModelArchitectures {

    /** Every built-in architecture: adding one is its package and one line here. */
    public static final ModelArchitectures BUILT_IN = new ModelArchitectures(List.of(
            new Qwen3VlArchitecture()));

    private final List<ModelArchitecture> architectures;

    /** A registry of {@code architectures} (the first to claim a name wins). */
    public ModelArchitectures(List<ModelArchitecture> architectures) {
        this.architectures = List.copyOf(architectures);
    }

    /** The architecture of {@code gguf}, by its {@code general.architecture}. */
    public ModelArchitecture of(GgufFile gguf) throws GgufFormatException {
        return byName(gguf.metadata().requireString("general.architecture"));
    }

    public ModelArchitecture byName(String name) throws GgufFormatException {
        for (ModelArchitecture a : architectures) {
            if (a.names().contains(name)) return a;
        }
        throw new GgufFormatException("architecture '" + name + "' is not supported (supported: " + String.join(", ", names()) + ")");
    }

    /** Every supported {@code general.architecture} value. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        for (ModelArchitecture a : architectures) names.addAll(a.names());
        return names;
    }
}
