package io.qwen4j.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The downloader against a local server with the hub's URL layout: listing, resolve → CDN redirect, ETag, Range. */
class ModelCacheTest {
    static final String REPO = "Qwen/Tiny-VL-GGUF";

    HttpServer server;
    final Map<String, byte[]> blobs = new ConcurrentHashMap<>();     // file name → content
    final Map<String, String> listedSha = new ConcurrentHashMap<>(); // file name → sha the listing claims
    final List<String> rangeHeaders = new CopyOnWriteArrayList<>();
    final AtomicInteger cdnRequests = new AtomicInteger();
    volatile int cutFirstResponseAfter = -1; // > 0: the next CDN response stops after this many bytes

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        Random rnd = new Random(7);
        for (String name : List.of("Tiny-VL-Q4_K_M.gguf", "Tiny-VL-Q8_0.gguf", "mmproj-Tiny-VL-F16.gguf", "mmproj-Tiny-VL-F32.gguf")) {
            byte[] b = new byte[150_000 + rnd.nextInt(50_000)];
            rnd.nextBytes(b);
            blobs.put(name, b);
            listedSha.put(name, sha(b));
        }
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/models/" + REPO + "/tree/main", this::listing);
        server.createContext("/" + REPO + "/resolve/main/", ex -> {
            String name = ex.getRequestURI().getPath().substring(("/" + REPO + "/resolve/main/").length());
            ex.getResponseHeaders().add("Location", "/cdn/" + name);
            ex.sendResponseHeaders(blobs.containsKey(name) ? 302 : 404, -1);
            ex.close();
        });
        server.createContext("/cdn/", this::cdn);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void listing(HttpExchange ex) throws IOException {
        StringBuilder b = new StringBuilder("[{\"type\":\"file\",\"path\":\"README.md\",\"size\":5,\"oid\":\"abc\"}");
        for (var e : blobs.entrySet()) {
            b.append(",{\"type\":\"file\",\"oid\":\"x\",\"size\":").append(e.getValue().length).append(",\"path\":\"").append(e.getKey())
                    .append("\",\"lfs\":{\"oid\":\"").append(listedSha.get(e.getKey())).append("\",\"size\":").append(e.getValue().length)
                    .append(",\"pointerSize\":134}}");
        }
        byte[] body = b.append(']').toString().getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    private void cdn(HttpExchange ex) throws IOException {
        cdnRequests.incrementAndGet();
        String name = ex.getRequestURI().getPath().substring("/cdn/".length());
        byte[] content = blobs.get(name);
        String etag = "\"" + listedSha.get(name) + "\"";
        ex.getResponseHeaders().add("ETag", etag);
        String range = ex.getRequestHeaders().getFirst("Range");
        String ifRange = ex.getRequestHeaders().getFirst("If-Range");
        int from = 0;
        if (range != null) {
            rangeHeaders.add(range);
            if (etag.equals(ifRange)) from = Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
        }
        int length = content.length - from;
        if (from > 0) ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
        ex.sendResponseHeaders(from > 0 ? 206 : 200, length);
        OutputStream out = ex.getResponseBody();
        int cut = cutFirstResponseAfter;
        if (cut > 0) {
            cutFirstResponseAfter = -1;
            out.write(content, from, cut);
            out.flush();
            ex.close(); // mid-body: the client sees a premature end
            return;
        }
        out.write(content, from, length);
        ex.close();
    }

    private ModelCache cache() {
        return new ModelCache(dir.resolve("models"), new HuggingFaceHub(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), null));
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    @Test
    void pullsTheAskedQuantAndItsProjectorVerified() throws Exception {
        ModelCache.Pulled p = cache().pull(REPO, "Q8_0", "main", quiet());
        assertThat(p.model().getFileName().toString()).isEqualTo("Tiny-VL-Q8_0.gguf");
        assertThat(p.mmproj().getFileName().toString()).isEqualTo("mmproj-Tiny-VL-F16.gguf");
        assertThat(Files.readAllBytes(p.model())).isEqualTo(blobs.get("Tiny-VL-Q8_0.gguf"));
        assertThat(Files.readAllBytes(p.mmproj())).isEqualTo(blobs.get("mmproj-Tiny-VL-F16.gguf"));
        assertThat(cdnRequests.get()).isEqualTo(2);

        // Already in the cache: nothing is fetched again.
        cache().pull(REPO, "Q8_0", "main", quiet());
        assertThat(cdnRequests.get()).isEqualTo(2);

        // Without a quant, llama.cpp's default Q4_K_M.
        assertThat(cache().pull(REPO, null, "main", quiet()).model().getFileName().toString()).isEqualTo("Tiny-VL-Q4_K_M.gguf");
    }

    @Test
    void anInterruptedDownloadResumesWithARangeRequest() throws Exception {
        cutFirstResponseAfter = 40_000;
        assertThatThrownBy(() -> cache().pull(REPO, "Q8_0", "main", quiet())).isInstanceOf(IOException.class);
        Path part = dir.resolve("models").resolve(REPO).resolve("Tiny-VL-Q8_0.gguf.part");
        assertThat(part).exists();
        long have = Files.size(part);
        assertThat(have).isPositive().isLessThan(blobs.get("Tiny-VL-Q8_0.gguf").length);

        ModelCache.Pulled p = cache().pull(REPO, "Q8_0", "main", quiet());
        assertThat(rangeHeaders).contains("bytes=" + have + "-");
        assertThat(Files.readAllBytes(p.model())).isEqualTo(blobs.get("Tiny-VL-Q8_0.gguf"));
        assertThat(part).doesNotExist();
    }

    @Test
    void aChecksumMismatchIsRefusedAndThePartialFileRemoved() {
        listedSha.put("Tiny-VL-Q8_0.gguf", "0".repeat(64));
        assertThatThrownBy(() -> cache().pull(REPO, "Q8_0", "main", quiet()))
                .isInstanceOf(HubException.class).hasMessageContaining("checksum mismatch");
        assertThat(dir.resolve("models").resolve(REPO).resolve("Tiny-VL-Q8_0.gguf")).doesNotExist();
        assertThat(dir.resolve("models").resolve(REPO).resolve("Tiny-VL-Q8_0.gguf.part")).doesNotExist();
    }

    @Test
    void clearErrorsForUnknownQuantsAndRepositories() {
        assertThatThrownBy(() -> cache().pull(REPO, "Q2_K", "main", quiet()))
                .isInstanceOf(HubException.class).hasMessageContaining("no Q2_K file").hasMessageContaining("Tiny-VL-Q8_0.gguf");
        assertThatThrownBy(() -> cache().pull("Qwen/Missing", null, "main", quiet()))
                .isInstanceOf(HubException.class).hasMessageContaining("no such repository");
        assertThatThrownBy(() -> cache().pull("../etc", null, "main", quiet()))
                .isInstanceOf(HubException.class).hasMessageContaining("not a repository name");
    }

    @Test
    void selectionFollowsLlamaCppNaming() throws Exception {
        List<HubFile> files = List.of(new HubFile("Qwen3VL-2B-Instruct-Q4_K_M.gguf", 1, null),
                new HubFile("Qwen3VL-2B-Instruct-Q4_K_S.gguf", 1, null), new HubFile("Qwen3VL-2B-Instruct-Q8_0.gguf", 1, null),
                new HubFile("mmproj-Qwen3VL-2B-Instruct-Q8_0.gguf", 1, null), new HubFile("mmproj-Qwen3VL-2B-Instruct-F16.gguf", 1, null));
        var s = GgufRepoFiles.select("r", files, "q4_k_m");
        assertThat(s.model().path()).isEqualTo("Qwen3VL-2B-Instruct-Q4_K_M.gguf");
        assertThat(s.mmproj().path()).isEqualTo("mmproj-Qwen3VL-2B-Instruct-F16.gguf");
        assertThatThrownBy(() -> GgufRepoFiles.select("r", List.of(new HubFile("m-Q8_0-00001-of-00002.gguf", 1, null)), "Q8_0"))
                .hasMessageContaining("split");
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
