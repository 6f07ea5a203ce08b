package io.qwen4j.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version and git commit this engine was built from ({@code build.properties}, written by the build).
 *
 * @param version the project's version, e.g. {@code 0.1.0-SNAPSHOT}
 * @param commit  the abbreviated commit, or {@code unknown} when the build ran outside a git checkout
 */
public record BuildInfo(String version, String commit) {

    private static final BuildInfo CURRENT = load();

    public static BuildInfo current() {
        return CURRENT;
    }

    /** {@code version+commit}, or the version alone when the commit is unknown. */
    public String id() {
        return commit.equals("unknown") ? version : version + "+" + commit;
    }

    private static BuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new BuildInfo(filled(p.getProperty("version")), filled(p.getProperty("commit")));
    }

    /** A value the build did not fill in (an IDE's own build copies the file as it is) counts as unknown. */
    private static String filled(String value) {
        return value == null || value.isBlank() || value.contains("${") ? "unknown" : value.strip();
    }
}
