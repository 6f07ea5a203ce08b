package io.qwen4j.cli;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.tokenizer.Qwen3Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code qwen4j tokenize}: prints a text's token ids as one JSON array. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print the token ids of TEXT as a JSON array.")
final class TokenizeCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE.gguf", description = "A GGUF file with a tokenizer.")
    Path model;

    @Option(names = "--special", description = "Recognise special tokens such as <|im_start|> in TEXT (default: plain text).")
    boolean special;

    @Parameters(index = "0", paramLabel = "TEXT", description = "The text to tokenize.")
    String text;

    @Override
    public Integer call() throws Exception {
        try (GgufFile gguf = GgufFile.open(model)) {
            int[] ids = Qwen3Tokenizer.fromGguf(gguf).encode(text, special);
            StringBuilder out = new StringBuilder(ids.length * 7 + 2).append('[');
            for (int i = 0; i < ids.length; i++) {
                if (i > 0) out.append(',');
                out.append(ids[i]);
            }
            System.out.println(out.append(']'));
        }
        return 0;
    }
}
