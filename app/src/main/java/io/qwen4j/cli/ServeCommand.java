package io.qwen4j.cli;

import io.qwen4j.local.LocalModel;
import io.qwen4j.web.ApiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code qwen4j serve}: the OpenAI-compatible HTTP server over one local model. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve a GGUF model over the OpenAI-compatible HTTP API.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE.gguf", description = "The model's GGUF file.")
    Path model;

    @Option(names = "--chat-template", paramLabel = "FILE.jinja", description = "A chat template to use instead of the model's own.")
    Path chatTemplate;

    @Option(names = "--served-model-name", split = ",", paramLabel = "NAME",
            description = "The names the model answers to (default: the GGUF's general.name).")
    List<String> servedModelNames;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() throws Exception {
        LocalModel loaded = LocalModel.load(model, chatTemplate, servedModelNames);
        ApiServer server = new ApiServer(loaded).start(host, port);
        System.err.printf("qwen4j: serving %s as %s on http://%s:%d%n", model, loaded.names(), host, server.port());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            loaded.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
