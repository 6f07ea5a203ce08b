package io.qwen4j.cli;

import io.qwen4j.hub.HuggingFaceHub;
import io.qwen4j.hub.ModelCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code qwen4j pull}: downloads a GGUF model and its vision projector from Hugging Face into the local cache. */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = "Download a GGUF model (and its mmproj) from Hugging Face, resuming and verifying checksums.")
final class PullCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "REPO", defaultValue = ModelCache.DEFAULT_REPO,
            description = "owner/name of a GGUF repository (default: ${DEFAULT-VALUE}).")
    String repo;

    @Option(names = "--quant", paramLabel = "TYPE", description = "Quantisation, e.g. Q8_0, Q4_K_M, F16 (default: Q4_K_M when present).")
    String quant;

    @Option(names = "--revision", defaultValue = "main", description = "Branch, tag or commit (default: ${DEFAULT-VALUE}).")
    String revision;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Where models are kept (default: $QWEN4J_HOME/models or ~/.cache/qwen4j/models).")
    Path cacheDir;

    @Override
    public Integer call() throws Exception {
        ModelCache cache = new ModelCache(cacheDir != null ? cacheDir : ModelCache.defaultRoot(), HuggingFaceHub.fromEnvironment());
        ModelCache.Pulled pulled = cache.pull(repo, quant, revision, System.err);
        System.out.println(pulled.model());
        if (pulled.mmproj() != null) System.out.println(pulled.mmproj());
        return 0;
    }
}
