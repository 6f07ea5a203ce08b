package io.qwen4j.cli;

import io.qwen4j.template.ChatTemplate;
import io.qwen4j.template.JsonValues;
import io.qwen4j.template.TemplateException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code qwen4j template}: renders a chat template for the variables in a JSON file and writes exactly the
 * rendered text (UTF-8, nothing added); on a template error, exits 1 with the error on stderr.
 */
@Command(name = "template", mixinStandardHelpOptions = true, description = "Render a chat template with the variables of a JSON file.")
final class TemplateCommand implements Callable<Integer> {

    @Option(names = "--template", required = true, paramLabel = "FILE.jinja", description = "The Jinja chat template.")
    Path template;

    @Option(names = "--context", required = true, paramLabel = "FILE.json", description = "A JSON object: the template's variables.")
    Path context;

    @Override
    public Integer call() throws IOException {
        String source = Files.readString(template, StandardCharsets.UTF_8);
        String rendered;
        try {
            Map<String, Object> variables = JsonValues.parseObject(Files.readString(context, StandardCharsets.UTF_8));
            rendered = ChatTemplate.compile(source).render(variables);
        } catch (TemplateException e) {
            System.err.println("qwen4j template: " + e.getMessage());
            return 1;
        }
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        out.write(rendered.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return 0;
    }
}
