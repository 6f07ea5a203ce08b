package io.qwen4j.hub;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where pulled models live: {@code $QWEN4J_HOME/models/<owner>/<repo>/<file>}, else under
 * {@code $XDG_CACHE_HOME/qwen4j} or {@code ~/.cache/qwen4j}. A file already in place is not fetched again.
 */
public final class ModelCache {
    /** What {@code qwen4j serve} serves when no model is named. */
    public static final String DEFAULT_REPO = "Qwen/Qwen3-VL-2B-Instruct-GGUF";

    /** Local paths of a pulled model and its projector (null when the repository has none). */
    public record Pulled(Path model, Path mmproj) {
    }

    private final Path root;
    private final HuggingFaceHub hub;

    public ModelCache(Path root, HuggingFaceHub hub) {
        this.root = root;
        this.hub = hub;
    }

    public static Path defaultRoot() {
        String home = System.getenv("QWEN4J_HOME");
        if (home != null && !home.isBlank()) return Path.of(home, "models");
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("qwen4j").resolve("models");
    }

    /** Downloads (or finds in the cache) the model file of {@code quant} and its projector. */
    public Pulled pull(String repo, String quant, String revision, PrintStream progressOut) throws IOException {
        List<HubFile> files = hub.listFiles(repo, revision);
        GgufRepoFiles.Selection s = GgufRepoFiles.select(repo, files, quant);
        Path model = fetch(repo, revision, s.model(), progressOut);
        Path mmproj = s.mmproj() == null ? null : fetch(repo, revision, s.mmproj(), progressOut);
        return new Pulled(model, mmproj);
    }

    private Path fetch(String repo, String revision, HubFile file, PrintStream progressOut) throws IOException {
        // Only the file name is used locally: a listing cannot place files outside the cache.
        Path target = root.resolve(repo).resolve(GgufRepoFiles.name(file)).normalize();
        if (!target.startsWith(root.resolve(repo).normalize())) throw new HubException("refusing file name " + file.path());
        if (Files.exists(target) && Files.size(target) == file.size()) {
            progressOut.println(GgufRepoFiles.name(file) + ": already in " + target.getParent());
            return target;
        }
        ProgressBar bar = new ProgressBar(progressOut, GgufRepoFiles.name(file), file.size());
        hub.download(repo, revision, file, target, bar::update);
        bar.finish();
        return target;
    }
}
