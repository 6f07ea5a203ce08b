package io.qwen4j.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.api.UsageReport;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.local.LocalBackend;
import io.qwen4j.local.ImageOptions;
import io.qwen4j.local.LocalModel;
import io.qwen4j.local.VisionTower;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real server on a fixture model, on a free loopback port, with a plain HTTP client. */
final class TestServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    final LocalModel model;
    final LocalBackend backend;
    final ApiServer server;
    final List<UsageReport> usage = new CopyOnWriteArrayList<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    record Answer(int status, JsonNode body, HttpResponse<String> raw) {
    }

    static Path testdata(String relative) {
        return Path.of(System.getProperty("qwen4j.testdata", "../testdata")).resolve(relative);
    }

    TestServer(String modelFile, List<String> names, EngineConfig config, ApiServer.Options options) throws Exception {
        this(modelFile, null, null, names, config, options);
    }

    /** With a vision tower ({@code mmprojFile}) reading images under {@code images}. */
    TestServer(String modelFile, String mmprojFile, ImageOptions images, List<String> names, EngineConfig config, ApiServer.Options options)
            throws Exception {
        model = LocalModel.load(testdata(modelFile), null, names);
        VisionTower vision = mmprojFile == null ? null : VisionTower.load(model.architecture(), testdata(mmprojFile), images, 2);
        backend = LocalBackend.start(model, vision, config, 2);
        server = new ApiServer(backend, options.withUsage(usage::add)).start("127.0.0.1", 0);
    }

    /** tiny-a (HF's fixture model) with its vision tower, an F32 KV cache, as `serve --mmproj … --kv-cache-type f32`. */
    static TestServer tinyAVision(ImageOptions images, EngineConfig config) throws Exception {
        return new TestServer("hf/tiny-a/tiny-a-F32.gguf", "hf/tiny-a/mmproj-tiny-a-F32.gguf", images, List.of("tiny-a"), config,
                ApiServer.Options.defaults());
    }

    static TestServer tiny(String variant, PagedKvCache.Storage kv) throws Exception {
        return new TestServer("models/qwen3vl-tiny-" + variant + ".gguf", null, EngineConfig.builder(1024).parallel(4).maxQueued(8).stepTokenBudget(512).kvStorage(kv).build(), ApiServer.Options.defaults());
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    Answer post(String path, String body) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return answer(http.send(r, HttpResponse.BodyHandlers.ofString()));
    }

    Answer post(String path, JsonNode body) throws IOException, InterruptedException {
        return post(path, JSON.writeValueAsString(body));
    }

    Answer get(String path) throws IOException, InterruptedException {
        return answer(http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString()));
    }

    private static Answer answer(HttpResponse<String> r) throws IOException {
        JsonNode body = r.headers().firstValue("Content-Type").orElse("").startsWith("application/json") ? JSON.readTree(r.body()) : null;
        return new Answer(r.statusCode(), body, r);
    }

    /** The {@code data:} payloads of an SSE body, in order ([DONE] as a text node). */
    static List<JsonNode> events(String sse) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            for (String line : block.split("\n")) {
                if (!line.startsWith("data: ")) continue;
                String data = line.substring(6);
                out.add(data.equals("[DONE]") ? JSON.getNodeFactory().textNode("[DONE]") : JSON.readTree(data));
            }
        }
        return out;
    }

    @Override
    public void close() {
        server.close();
        backend.close();
        model.close();
    }
}
