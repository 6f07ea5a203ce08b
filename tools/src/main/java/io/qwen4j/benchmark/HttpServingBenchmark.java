package io.qwen4j.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The serving load test over HTTP, against any server that speaks OpenAI's {@code /v1/completions} with
 * token-id prompts and vLLM's {@code ignore_eos} ({@code qwen4j serve}, llama.cpp's {@code llama-server},
 * vLLM, SGLang): the same client measures every server, so their figures compare. At each concurrency N, N
 * streaming requests start together, each a random prompt of P token ids and exactly G greedy tokens.
 * Figures as {@link ServingBenchmark}'s in-process test; the token count of a stream is its reported
 * {@code usage.completion_tokens} (a chunk may carry several tokens when their bytes end mid-character).
 */
public final class HttpServingBenchmark {
    /**
     * Prompt ids are drawn below this: ordinary text tokens in every Qwen3 vocabulary, the tiny test models'
     * included (the server's vocabulary size is not part of the API). What the ids say does not change the work.
     */
    static final int PROMPT_IDS = 4_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String apiKey;
    private final HttpClient http;
    private String model;

    /** {@code base}: the server's root ("http://host:port") or its "/v1". */
    public HttpServingBenchmark(URI base, String apiKey) {
        String s = base.toString().replaceAll("/+$", "");
        this.base = URI.create(s.endsWith("/v1") ? s : s + "/v1");
        this.apiKey = apiKey;
        // HTTP/1.1: llama-server and others do not upgrade to h2c; one connection per stream, as real clients.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** The first model the server lists: the one every request names. */
    public String model() throws IOException, InterruptedException {
        if (model == null) {
            HttpResponse<String> r = http.send(request("/models").GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IOException("GET " + base + "/models: HTTP " + r.statusCode() + ": " + r.body());
            JsonNode data = JSON.readTree(r.body()).path("data");
            if (!data.isArray() || data.isEmpty()) throw new IOException("GET " + base + "/models lists no model");
            model = data.get(0).path("id").asText();
        }
        return model;
    }

    /** A warm-up at the widest level, then every level in the order given, each told to {@code onLevel}. */
    public List<ServingBenchmark.Level> run(int[] concurrencies, int promptTokens, int genTokens, Consumer<ServingBenchmark.Level> onLevel)
            throws IOException, InterruptedException {
        if (promptTokens < 1 || genTokens < 2) throw new IllegalArgumentException("--prompt must be >= 1 and --gen >= 2");
        model();
        int widest = java.util.Arrays.stream(concurrencies).max().orElseThrow();
        level(widest, promptTokens, Math.min(genTokens, 8), 99);
        List<ServingBenchmark.Level> levels = new ArrayList<>();
        for (int n : concurrencies) {
            ServingBenchmark.Level l = level(n, promptTokens, genTokens, n);
            onLevel.accept(l);
            levels.add(l);
        }
        return levels;
    }

    /** What one stream saw: nanoTime of its first and last token chunks and the tokens it was billed. */
    private record Stream(long submitted, long first, long last, int tokens) {
    }

    private ServingBenchmark.Level level(int n, int promptTokens, int genTokens, long seed) throws IOException, InterruptedException {
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < n; i++) prompts.add(random.ints(promptTokens, 0, PROMPT_IDS).toArray());
        List<Stream> streams = new ArrayList<>();
        long t0 = System.nanoTime();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Stream>> futures = new ArrayList<>();
            for (int[] prompt : prompts) futures.add(clients.submit(() -> stream(prompt, genTokens, t0)));
            for (Future<Stream> f : futures) {
                try {
                    streams.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof IOException io) throw io;
                    throw new IOException(e.getCause().getMessage(), e.getCause());
                }
            }
        }
        long end = streams.stream().mapToLong(Stream::last).max().orElseThrow();
        long firstFirst = streams.stream().mapToLong(Stream::first).min().orElseThrow();
        double[] ttft = new double[n], tpot = new double[n];
        long output = 0, decoded = 0;
        for (int i = 0; i < n; i++) {
            Stream s = streams.get(i);
            ttft[i] = (s.first() - s.submitted()) / 1e6;
            tpot[i] = s.tokens() > 1 ? (s.last() - s.first()) / 1e6 / (s.tokens() - 1) : 0;
            output += s.tokens();
            decoded += s.tokens() - 1;
        }
        double seconds = (end - t0) / 1e9;
        return new ServingBenchmark.Level(n, seconds, output, -1, output / seconds, decoded / ((end - firstFirst) / 1e9),
                ServingBenchmark.percentile(ttft, 50), ServingBenchmark.percentile(ttft, 99),
                ServingBenchmark.percentile(tpot, 50), ServingBenchmark.percentile(tpot, 99));
    }

    private Stream stream(int[] prompt, int genTokens, long submitted) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("model", model).put("max_tokens", genTokens).put("temperature", 0)
                .put("stream", true).put("ignore_eos", true);
        var ids = body.putArray("prompt");
        for (int id : prompt) ids.add(id);
        body.putObject("stream_options").put("include_usage", true);
        HttpRequest r = request("/completions").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
        HttpResponse<InputStream> response = http.send(r, HttpResponse.BodyHandlers.ofInputStream());
        long first = 0, last = 0;
        int chunks = 0, billed = -1;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            if (response.statusCode() != 200) {
                throw new IOException("POST " + base + "/completions: HTTP " + response.statusCode() + ": " + in.readLine());
            }
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("data:")) continue;
                String data = line.substring(5).trim();
                if (data.equals("[DONE]")) break;
                JsonNode chunk = JSON.readTree(data);
                if (chunk.has("error")) throw new IOException("stream error: " + chunk.get("error"));
                if (chunk.path("choices").size() > 0 && !chunk.path("choices").get(0).path("text").asText().isEmpty()) {
                    long now = System.nanoTime();
                    if (first == 0) first = now;
                    last = now;
                    chunks++;
                }
                JsonNode usage = chunk.path("usage");
                if (usage.has("completion_tokens")) billed = usage.get("completion_tokens").asInt();
            }
        }
        if (first == 0) throw new IOException("a stream returned no text");
        return new Stream(submitted, first, last, billed >= 0 ? billed : chunks);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(30));
        if (apiKey != null && !apiKey.isEmpty()) b.header("Authorization", "Bearer " + apiKey);
        return b;
    }
}
