package io.qwen4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository's {@code testdata/} folder (surefire passes it as {@code qwen4j.testdata}). */
public final class TestData {
    private TestData() {
    }

    public static Path root() {
        String p = System.getProperty("qwen4j.testdata");
        Path root = p != null ? Path.of(p) : Path.of("testdata");
        if (!Files.isDirectory(root)) root = Path.of("..", "testdata");
        if (!Files.isDirectory(root)) throw new IllegalStateException("testdata folder not found (qwen4j.testdata=" + p + ")");
        return root;
    }

    public static Path path(String relative) {
        return root().resolve(relative);
    }
}
