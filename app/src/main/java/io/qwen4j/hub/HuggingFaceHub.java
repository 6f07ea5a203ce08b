package io.qwen4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Lists and downloads repository files from the Hugging Face hub the way its own clients do:
 * {@code GET /api/models/{repo}/tree/{revision}} for the list, {@code GET /{repo}/resolve/{revision}/{path}}
 * (redirected to a CDN) for the bytes. Downloads go to a {@code .part} file that a later run resumes with
 * an HTTP Range request (guarded by If-Range on the ETag), and are verified against the LFS SHA-256
 * before they are moved into place.
 */
public final class HuggingFaceHub {
    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");

    private final URI endpoint;
    private final String token;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    /** {@code endpoint}: the hub (HF_ENDPOINT); {@code token}: an access token for gated repositories, or null. */
    public HuggingFaceHub(URI endpoint, String token) {
        this.endpoint = endpoint;
        this.token = token;
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20))
                .build();
    }

    /** The hub named by the environment ({@code HF_ENDPOINT}, {@code HF_TOKEN}), as huggingface_hub reads it. */
    public static HuggingFaceHub fromEnvironment() {
        String ep = System.getenv("HF_ENDPOINT");
        return new HuggingFaceHub(ep == null || ep.isBlank() ? DEFAULT_ENDPOINT : URI.create(ep), System.getenv("HF_TOKEN"));
    }

    /** The files of {@code repo} at {@code revision}, recursively. */
    public List<HubFile> listFiles(String repo, String revision) throws IOException {
        checkRepo(repo);
        URI uri = endpoint.resolve("/api/models/" + repo + "/tree/" + encode(revision) + "?recursive=true");
        HttpResponse<String> r = send(request(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new HubException(repo + ": access denied (HTTP " + r.statusCode() + "); for a gated repository set HF_TOKEN");
        }
        if (r.statusCode() == 404) throw new HubException(repo + ": no such repository or revision '" + revision + "' on " + endpoint);
        if (r.statusCode() != 200) throw new HubException(repo + ": listing failed with HTTP " + r.statusCode());
        JsonNode tree = json.readTree(r.body());
        if (!tree.isArray()) throw new HubException(repo + ": unexpected listing from the hub");
        List<HubFile> files = new ArrayList<>();
        for (JsonNode e : tree) {
            if (!"file".equals(e.path("type").asText())) continue;
            JsonNode lfs = e.get("lfs");
            String sha = lfs != null && lfs.hasNonNull("oid") ? lfs.get("oid").asText() : null;
            long size = lfs != null && lfs.has("size") ? lfs.get("size").asLong() : e.path("size").asLong();
            files.add(new HubFile(e.path("path").asText(), size, sha));
        }
        return files;
    }

    /**
     * Downloads {@code file} into {@code target}, resuming a {@code target.part} left by an earlier run.
     * {@code progress} receives the number of bytes on disk so far.
     */
    public void download(String repo, String revision, HubFile file, Path target, LongConsumer progress) throws IOException {
        checkRepo(repo);
        Path part = target.resolveSibling(target.getFileName() + ".part");
        Path etagFile = target.resolveSibling(target.getFileName() + ".etag");
        Files.createDirectories(target.toAbsolutePath().getParent());
        URI uri = endpoint.resolve("/" + repo + "/resolve/" + encode(revision) + "/" + encodePath(file.path()));

        long have = Files.exists(part) ? Files.size(part) : 0;
        String etag = have > 0 && Files.exists(etagFile) ? Files.readString(etagFile).strip() : null;
        HttpRequest.Builder req = request(uri).GET();
        if (have > 0 && etag != null) req.header("Range", "bytes=" + have + "-").header("If-Range", etag);
        HttpResponse<InputStream> r = send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = r.body()) {
            boolean append;
            if (r.statusCode() == 206) {
                append = true;
            } else if (r.statusCode() == 200) {
                append = false; // the server ignored the range or the file changed: start over
                have = 0;
            } else if (r.statusCode() == 416 && have == file.size()) {
                append = true; // already complete
            } else {
                throw new HubException(repo + "/" + file.path() + ": download failed with HTTP " + r.statusCode());
            }
            r.headers().firstValue("ETag").ifPresent(tag -> writeQuietly(etagFile, tag));
            try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buf = new byte[1 << 16];
                long done = have;
                progress.accept(done);
                for (int n; r.statusCode() != 416 && (n = body.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    done += n;
                    progress.accept(done);
                }
            }
        }
        long size = Files.size(part);
        if (file.size() > 0 && size != file.size()) {
            throw new HubException(repo + "/" + file.path() + ": got " + size + " of " + file.size() + " bytes; run again to resume");
        }
        if (file.sha256() != null) {
            String actual = sha256(part);
            if (!actual.equalsIgnoreCase(file.sha256())) {
                Files.deleteIfExists(part);
                Files.deleteIfExists(etagFile);
                throw new HubException(repo + "/" + file.path() + ": checksum mismatch (expected sha256 " + file.sha256() + ", got " + actual + "); the partial file was removed");
            }
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(etagFile);
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("User-Agent", "qwen4j");
        if (token != null && !token.isBlank()) b.header("Authorization", "Bearer " + token);
        return b;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void checkRepo(String repo) throws HubException {
        if (repo == null || !repo.matches("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new HubException("'" + repo + "' is not a repository name (owner/name)");
        }
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String encodePath(String path) {
        StringBuilder b = new StringBuilder();
        for (String s : path.split("/")) {
            if (s.isEmpty() || s.equals("..") || s.equals(".")) continue;
            if (!b.isEmpty()) b.append('/');
            b.append(encode(s));
        }
        return b.toString();
    }

    private static void writeQuietly(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException ignored) {
            // Without the ETag a later run simply restarts the download.
        }
    }
}
