package io.qwen4j.cli;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufMetadata;
import io.qwen4j.synth.FileType;
import io.qwen4j.synth.SyntheticModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code qwen4j synth}: writes a random-weight model of a real Qwen3-VL shape, as llama.cpp would lay it out. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = {"Write a random-weight Qwen3-VL text model of a real model's exact shape, with the",
                "per-tensor type mix llama.cpp's quantiser gives TYPE, so benchmarks need no download."})
final class SynthCommand implements Callable<Integer> {

    private static final Path DEFAULT_VOCAB = Path.of("testdata", "tokenizer", "qwen3-vocab.gguf");

    @Option(names = "--preset", required = true, description = "qwen3-vl-2b, qwen3-vl-4b, qwen3-vl-8b, qwen3-vl-32b or tiny.")
    String preset;

    @Option(names = "--type", defaultValue = "Q8_0",
            description = "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K_S, Q4_K(_M), Q5_K_S, Q5_K(_M), Q6_K (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--mmproj", paramLabel = "MMPROJ.gguf", description = "Also write the vision tower and merger to this file.")
    Path mmproj;

    @Option(names = "--vocab", paramLabel = "VOCAB.gguf",
            description = "A GGUF whose tokenizer is copied (default: testdata/tokenizer/qwen3-vocab.gguf if present).")
    Path vocab;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Parameters(index = "0", paramLabel = "OUT.gguf", description = "The text model file to write.")
    Path out;

    @Override
    public Integer call() throws Exception {
        SyntheticModel model = SyntheticModel.preset(preset.toLowerCase(Locale.ROOT));
        FileType fileType = FileType.parse(type);
        Path vocabPath = vocab != null ? vocab : Files.exists(DEFAULT_VOCAB) ? DEFAULT_VOCAB : null;
        long t0 = System.nanoTime();
        if (vocabPath == null) {
            System.err.println("synth: no vocabulary (--vocab); the file will have no tokenizer");
            model.writeText(out, fileType, null, seed);
        } else {
            try (GgufFile v = GgufFile.open(vocabPath)) {
                GgufMetadata tokenizer = v.metadata();
                model.writeText(out, fileType, tokenizer, seed);
            }
        }
        System.out.printf(Locale.ROOT, "wrote %s: %s %s, %.2f GB in %.1f s%n", out, model.name(), fileType,
                Files.size(out) / 1e9, (System.nanoTime() - t0) * 1e-9);
        if (mmproj != null) {
            t0 = System.nanoTime();
            model.writeVision(mmproj, fileType, seed);
            System.out.printf(Locale.ROOT, "wrote %s: vision tower %s, %.2f GB in %.1f s%n", mmproj, fileType,
                    Files.size(mmproj) / 1e9, (System.nanoTime() - t0) * 1e-9);
        }
        return 0;
    }
}
