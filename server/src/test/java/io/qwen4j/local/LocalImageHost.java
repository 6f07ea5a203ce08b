package io.qwen4j.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;

/**
 * A loopback HTTP server for image URL tests: {@code /images/NAME} serves a file of {@code dir}, and a few routes
 * misbehave on purpose: {@code /big?n=BYTES} (no Content-Length), {@code /declared-big} (a huge Content-Length),
 * {@code /slow} (headers, then nothing), {@code /redirect?to=URL}, {@code /loop} (redirects to itself), {@code /404}.
 */
public final class LocalImageHost implements AutoCloseable {
    private final HttpServer server;
    private final Path dir;

    public LocalImageHost(Path dir) throws IOException {
        this.dir = dir;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        String query = x.getRequestURI().getRawQuery();
        try (x) {
            if (path.startsWith("/images/")) {
                Path file = dir.resolve(path.substring("/images/".length())).normalize();
                if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
                    x.sendResponseHeaders(404, -1);
                    return;
                }
                byte[] bytes = Files.readAllBytes(file);
                x.getResponseHeaders().set("Content-Type", "image/png");
                x.sendResponseHeaders(200, bytes.length);
                x.getResponseBody().write(bytes);
            } else if (path.equals("/big")) {
                long n = Long.parseLong(query.substring(2));
                x.sendResponseHeaders(200, 0); // chunked: no declared length
                OutputStream out = x.getResponseBody();
                byte[] block = new byte[8192];
                block[0] = (byte) 0x89;
                try {
                    for (long sent = 0; sent < n; sent += block.length) out.write(block);
                } catch (IOException clientGaveUp) {
                    // expected: the fetcher stops reading at its cap
                }
            } else if (path.equals("/declared-big")) {
                x.sendResponseHeaders(200, 1L << 40);
                try {
                    x.getResponseBody().write(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
                    x.getResponseBody().flush();
                } catch (IOException clientGaveUp) {
                    // expected
                }
            } else if (path.equals("/slow")) {
                x.sendResponseHeaders(200, 0);
                x.getResponseBody().write(new byte[] {(byte) 0x89, 'P'});
                x.getResponseBody().flush();
                try {
                    Thread.sleep(30_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (path.equals("/redirect")) {
                x.getResponseHeaders().set("Location", java.net.URLDecoder.decode(query.substring(3), java.nio.charset.StandardCharsets.UTF_8));
                x.sendResponseHeaders(302, -1);
            } else if (path.equals("/loop")) {
                x.getResponseHeaders().set("Location", "/loop");
                x.sendResponseHeaders(301, -1);
            } else {
                x.sendResponseHeaders(404, -1);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
