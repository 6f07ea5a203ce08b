package io.qwen4j.cli;

import io.qwen4j.api.ModelCatalogue;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.gateway.Gateway;
import io.qwen4j.gateway.PriceTable;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.grammar.JsonSchemaOptions;
import io.qwen4j.hub.HuggingFaceHub;
import io.qwen4j.hub.ModelCache;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.local.LocalBackend;
import io.qwen4j.local.ImageOptions;
import io.qwen4j.local.LocalModel;
import io.qwen4j.local.VisionTower;
import io.qwen4j.store.Database;
import io.qwen4j.web.ApiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code qwen4j serve}: the OpenAI-compatible HTTP server over one local model. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve a GGUF model over the OpenAI-compatible HTTP API.")
final class ServeCommand implements Callable<Integer> {
    /** Without --ctx-size: the model's context length, capped here so that the default KV cache stays modest. */
    static final int DEFAULT_CTX_CAP = 8192;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE.gguf",
            description = "The model's GGUF file (default: " + ModelCache.DEFAULT_REPO + ", downloaded once into the model cache).")
    Path model;

    @Option(names = "--mmproj", paramLabel = "FILE.gguf",
            description = "The model's vision tower (mmproj GGUF, projector qwen3vl_merger): image parts in chat messages are read.")
    Path mmproj;

    @Option(names = "--max-images-per-request", defaultValue = "" + ImageOptions.DEFAULT_MAX_IMAGES, paramLabel = "N",
            description = "Image parts one request may have (default: ${DEFAULT-VALUE}).")
    int maxImagesPerRequest;

    @Option(names = "--max-image-pixels", defaultValue = "50000000", paramLabel = "PIXELS",
            description = "Largest width × height an image may declare; larger ones are refused before decoding (default: ${DEFAULT-VALUE}).")
    long maxImagePixels;

    @Option(names = "--image-min-pixels", paramLabel = "PIXELS",
            description = "Smallest resized image area (HF's min_pixels; default: the mmproj's, else 65536).")
    Long imageMinPixels;

    @Option(names = "--image-max-pixels", paramLabel = "PIXELS",
            description = "Largest resized image area (HF's max_pixels; default: the mmproj's, else 16777216).")
    Long imageMaxPixels;

    @Option(names = "--max-image-bytes", defaultValue = "" + ImageOptions.DEFAULT_MAX_IMAGE_BYTES, paramLabel = "BYTES",
            description = "Largest encoded image, in a data: URI or downloaded (default: ${DEFAULT-VALUE}).")
    long maxImageBytes;

    @Option(names = "--image-fetch-timeout", defaultValue = "20", paramLabel = "SECONDS",
            description = "Time for downloading one image URL, redirects included (connecting: at most 5 s; default: ${DEFAULT-VALUE}).")
    int imageFetchTimeout;

    @Option(names = "--allow-private-image-urls",
            description = "Also fetch image URLs on loopback, private and link-local addresses (off: only public hosts).")
    boolean allowPrivateImageUrls;

    @Option(names = "--chat-template", paramLabel = "FILE.jinja", description = "A chat template to use instead of the model's own.")
    Path chatTemplate;

    @Option(names = "--served-model-name", split = ",", paramLabel = "NAME",
            description = "The names the model answers to (default: the GGUF's general.name).")
    List<String> servedModelNames;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Mixin
    StoreOption store;

    @Option(names = "--no-auth", description = "Serve without API keys on any address: requests are recorded, never charged.")
    boolean noAuth;

    @Option(names = "--prices", paramLabel = "FILE.json",
            description = "Prices per 1,000 tokens per model (default: Qwen3-VL-32B-Instruct at ¥0.0045 in, ¥0.014 out).")
    Path prices;

    @Option(names = "--admin-key", paramLabel = "SECRET", defaultValue = "${env:QWEN4J_ADMIN_KEY}",
            description = "Opens the admin API (/admin/keys) to this bearer secret (default: $QWEN4J_ADMIN_KEY; none: off).")
    String adminKey;

    @Option(names = {"-np", "--parallel"}, defaultValue = "4", description = "Sequences generated at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(names = {"-c", "--ctx-size"}, defaultValue = "0", paramLabel = "TOKENS",
            description = "Most tokens (prompt + completion) of one sequence; the KV cache holds --parallel of them "
                    + "(default: the model's context length, at most " + DEFAULT_CTX_CAP + ").")
    int ctxSize;

    @Option(names = "--kv-cache-type", defaultValue = "f16", paramLabel = "f16|bf16|f32",
            description = "Element type of the KV cache (default: ${DEFAULT-VALUE}).")
    String kvCacheType;

    @Option(names = {"-t", "--threads"}, defaultValue = "0", description = "Compute threads (default: all cores).")
    int threads;

    @Option(names = "--max-queue", defaultValue = "64", description = "Requests waiting for a slot before new ones get 503 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = {"-b", "--batch-tokens"}, defaultValue = "512", paramLabel = "TOKENS",
            description = "Tokens per model step: one decode token per running sequence, prompt chunks with the rest, so a long"
                    + " prompt delays running streams by at most one such step (default: ${DEFAULT-VALUE}).")
    int batchTokens;

    @Option(names = "--no-prefix-caching",
            description = "Compute every prompt in full instead of reusing the KV blocks of earlier prompts that start the same way.")
    boolean noPrefixCaching;

    @Option(names = "--mmap", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "Read the weights in place from the memory-mapped file instead of copying them into 2 MiB huge pages"
                    + " (default: --no-mmap, the copy: faster decode, as much memory as the file, a second or so to load).")
    boolean mmap;

    @Option(names = "--lenient", description = "Ignore request parameters no API defines instead of refusing them with a 400.")
    boolean lenient;

    @Option(names = "--json-max-indent", paramLabel = "N", defaultValue = "32",
            description = "Structured outputs: whitespace before a JSON token is nothing, a space, or a line break and at most N spaces/tabs; -1: compact (default: ${DEFAULT-VALUE}).")
    int jsonMaxIndent;

    @Option(names = "--json-max-string", paramLabel = "CHARS", defaultValue = "4096",
            description = "Structured outputs: longest string where the schema sets no maxLength, pattern, format or enum; -1: unbounded (default: ${DEFAULT-VALUE}).")
    int jsonMaxString;

    @Option(names = "--cors-origins", split = ",", paramLabel = "ORIGIN",
            description = "Browser origins allowed to call the API (CORS), e.g. https://console.example; none by default.")
    List<String> corsOrigins = List.of();

    @Override
    public Integer call() throws Exception {
        PagedKvCache.Storage storage = switch (kvCacheType.toLowerCase(Locale.ROOT)) {
            case "f16" -> PagedKvCache.Storage.F16;
            case "bf16" -> PagedKvCache.Storage.BF16;
            case "f32" -> PagedKvCache.Storage.F32;
            default -> {
                System.err.println("qwen4j: --kv-cache-type must be f16, bf16 or f32, got " + kvCacheType);
                yield null;
            }
        };
        if (storage == null) return 2;
        if (adminKey != null && !adminKey.isBlank()) {
            try {
                Gateway.checkAdminKey(adminKey);
            } catch (IllegalArgumentException e) {
                System.err.println("qwen4j: --admin-key / QWEN4J_ADMIN_KEY: " + e.getMessage());
                return 2;
            }
        }
        if (model == null) {
            // Like Ollama and llama.cpp's -hf: a first run fetches the default model, later runs find it in the cache.
            ModelCache.Pulled pulled = new ModelCache(ModelCache.defaultRoot(), HuggingFaceHub.fromEnvironment())
                    .pull(ModelCache.DEFAULT_REPO, null, "main", System.err);
            model = pulled.model();
            if (mmproj == null) mmproj = pulled.mmproj(); // its vision tower too: the default server reads images
        }
        PriceTable priceTable = prices == null ? PriceTable.defaults() : PriceTable.load(prices);
        Database db = store.open();
        boolean keysExist = new io.qwen4j.store.ApiKeyStore(db).any();
        if (!noAuth && !keysExist && !isLoopback(host)) {
            db.close();
            System.err.printf("qwen4j serve: refusing to listen on %s: the store (%s) has no API keys, so anyone who can reach"
                    + " this address could use the server for free.%nCreate a key first (qwen4j keys create --name NAME --credit AMOUNT"
                    + " --db %s), listen on 127.0.0.1, or pass --no-auth to serve without keys on purpose.%n", host, store.url(), store.url());
            return 2;
        }
        LocalModel loaded;
        LocalBackend backend;
        VisionTower vision = null;
        int ctx;
        int computeThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        try {
            loaded = LocalModel.load(model, chatTemplate, servedModelNames, mmap ? GgufFile.Memory.MAPPED : GgufFile.Memory.HUGE_PAGES);
            System.err.println("qwen4j: weights " + loaded.gguf().memoryNote());
        } catch (Exception | Error e) {
            db.close();
            throw e;
        }
        try {
            if (mmproj != null) {
                ImageOptions images = new ImageOptions(maxImagesPerRequest, maxImagePixels, imageMinPixels, imageMaxPixels, maxImageBytes,
                        Duration.ofSeconds(Math.min(5, Math.max(1, imageFetchTimeout))), Duration.ofSeconds(Math.max(1, imageFetchTimeout)), 3,
                        allowPrivateImageUrls);
                try {
                    vision = VisionTower.load(loaded.architecture(), mmproj, images, computeThreads);
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("--mmproj " + mmproj + ": " + e.getMessage(), e);
                }
            }
            ctx = ctxSize > 0 ? ctxSize : Math.min(loaded.contextLength() > 0 ? loaded.contextLength() : DEFAULT_CTX_CAP, DEFAULT_CTX_CAP);
            EngineConfig config = EngineConfig.builder(ctx).parallel(parallel).maxQueued(maxQueue).stepTokenBudget(batchTokens)
                    .kvStorage(storage).prefixCaching(!noPrefixCaching).build();
            try {
                backend = LocalBackend.start(loaded, vision, config, computeThreads,
                        JsonSchemaOptions.DEFAULT.withMaxIndent(jsonMaxIndent).withMaxStringLength(jsonMaxString));
            } catch (io.qwen4j.gguf.GgufFormatException | IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (vision != null) vision.close();
            loaded.close();
            db.close();
            System.err.println("qwen4j: " + inFlagNames(e.getMessage()));
            return 1;
        }
        Gateway gateway = Gateway.open(db, Gateway.Settings.defaults().withPrices(priceTable).withNoAuth(noAuth).withAdminKey(adminKey));
        for (String name : loaded.names()) {
            if (priceTable.of(name).isEmpty()) {
                System.err.printf("qwen4j: warning: '%s' has no price (see --prices); keyed requests for it are refused with 403%n", name);
            }
        }
        ApiServer server = new ApiServer(ModelCatalogue.of(backend), ApiServer.Options.defaults().withLenient(lenient).withCorsOrigins(Set.copyOf(corsOrigins)), gateway).start(host, port);
        System.err.printf("qwen4j: serving %s%s as %s on http://%s:%d (parallel %d, ctx %d, batch %d tokens, kv %s%s; store %s, %s)%n", model,
                mmproj != null ? " + " + mmproj + " (images)" : "", loaded.names(), host, server.port(), parallel, ctx, batchTokens, kvCacheType,
                noPrefixCaching ? ", no prefix caching" : "",
                store.url(),
                noAuth ? "no auth" : keysExist ? "API keys required" : "no keys yet: open on loopback only");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            backend.close();
            gateway.close();
            db.close();
            loaded.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    /** The engine's messages name its settings (EngineConfig's fields); here they read as the flags that set them. */
    static String inFlagNames(String engineMessage) {
        return ENGINE_SETTING.matcher(engineMessage).replaceAll(m -> Matcher.quoteReplacement(FLAG_OF_SETTING.get(m.group(1))));
    }

    private static final Map<String, String> FLAG_OF_SETTING = Map.of("parallel", "--parallel", "contextSize", "--ctx-size",
            "maxQueued", "--max-queue", "stepTokenBudget", "--batch-tokens", "kvStorage", "--kv-cache-type");
    private static final Pattern ENGINE_SETTING = Pattern.compile("\\b(parallel|contextSize|maxQueued|stepTokenBudget|kvStorage)\\b");

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
