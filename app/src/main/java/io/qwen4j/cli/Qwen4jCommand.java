package io.qwen4j.cli;

import io.qwen4j.engine.BuildInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code qwen4j} command: entry point of the runnable jar. */
@Command(name = "qwen4j", mixinStandardHelpOptions = true, versionProvider = Qwen4jCommand.Version.class,
        description = "Serves Qwen3-VL models behind the OpenAI Chat Completions API.",
        subcommands = {ServeCommand.class, PullCommand.class, BenchCommand.class, SynthCommand.class, TokenizeCommand.class,
                TemplateCommand.class, KeysCommand.class, LedgerCommand.class, CommandLine.HelpCommand.class})
public final class Qwen4jCommand implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** {@code --version}: the version and commit the jar was built from. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            BuildInfo b = BuildInfo.current();
            return new String[] {"qwen4j " + b.version() + " (commit " + b.commit() + ")"};
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Qwen4jCommand()).execute(args));
    }
}
