package io.qwen4j.local;

import io.qwen4j.image.ImageException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Downloads the image of an {@code http(s)} URL for a chat request, defensively, since the URL is the caller's:
 * <ul>
 *   <li>every address the host name resolves to must be public (not loopback, private, link-local, unique-local,
 *       multicast, unspecified, shared or reserved), checked again at every redirect, unless the operator
 *       allows private URLs; no proxy is used, so the check is about the host actually contacted;</li>
 *   <li>a connect timeout, and one deadline for the whole download, redirects included;</li>
 *   <li>the body is read in pieces and abandoned as soon as it exceeds the size cap (a declared
 *       Content-Length over the cap is refused before reading).</li>
 * </ul>
 * A host may still answer the check and the connection with different addresses (DNS rebinding within the
 * resolver's cache time); an operator exposed to that should not rely on this check alone.
 */
public final class ImageFetcher {
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "qwen4j-image-fetch-deadline");
        t.setDaemon(true);
        return t;
    });

    /** Resolves host names (tests substitute one). */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final ImageOptions options;
    private final HttpClient http;
    private final Resolver resolver;

    public ImageFetcher(ImageOptions options) {
        this(options, InetAddress::getAllByName);
    }

    ImageFetcher(ImageOptions options, Resolver resolver) {
        this.options = options;
        this.resolver = resolver;
        this.http = HttpClient.newBuilder()
                .connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER) // followed here, each target checked
                .proxy(HttpClient.Builder.NO_PROXY)
                .build();
    }

    /** The bytes at {@code url}; any failure is an {@link ImageException} whose message can go to the caller. */
    public byte[] fetch(URI url) throws ImageException, InterruptedException {
        long deadline = System.nanoTime() + options.fetchTimeout().toNanos();
        URI current = url;
        for (int redirects = 0; ; redirects++) {
            checkTarget(current);
            Duration left = Duration.ofNanos(deadline - System.nanoTime());
            if (left.isNegative() || left.isZero()) throw timedOut(url);
            HttpRequest request = HttpRequest.newBuilder(current).timeout(left).header("User-Agent", "qwen4j")
                    .header("Accept", "image/*").GET().build();
            HttpResponse<InputStream> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (HttpTimeoutException e) {
                throw timedOut(url);
            } catch (IOException | IllegalArgumentException e) {
                throw new ImageException("could not fetch image URL " + shown(url) + ": " + describe(e));
            }
            int status = response.statusCode();
            if (status >= 300 && status < 400 && status != 304) {
                closeQuietly(response.body());
                String location = response.headers().firstValue("Location").orElse(null);
                if (location == null) throw new ImageException("image URL " + shown(url) + " redirected (" + status + ") without a Location");
                if (redirects >= options.maxRedirects()) {
                    throw new ImageException("image URL " + shown(url) + " redirected more than " + options.maxRedirects() + " times");
                }
                try {
                    current = current.resolve(location.trim());
                } catch (IllegalArgumentException e) {
                    throw new ImageException("image URL " + shown(url) + " redirected to an invalid URL");
                }
                continue;
            }
            if (status != 200) {
                closeQuietly(response.body());
                throw new ImageException("image URL " + shown(url) + " answered HTTP " + status);
            }
            long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > options.maxImageBytes()) {
                closeQuietly(response.body());
                throw tooLarge(url);
            }
            return readCapped(response.body(), url, deadline);
        }
    }

    /** Reads at most the cap; the deadline closes the stream under a stalled read. */
    private byte[] readCapped(InputStream body, URI url, long deadline) throws ImageException {
        AtomicBoolean expired = new AtomicBoolean();
        long left = Math.max(1, deadline - System.nanoTime());
        ScheduledFuture<?> timer = DEADLINES.schedule(() -> {
            expired.set(true);
            closeQuietly(body);
        }, left, TimeUnit.NANOSECONDS);
        try (body) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[64 * 1024];
            long cap = options.maxImageBytes();
            for (int n; (n = body.read(buffer)) >= 0; ) {
                if (out.size() + (long) n > cap) throw tooLarge(url);
                out.write(buffer, 0, n);
            }
            if (expired.get()) throw timedOut(url);
            return out.toByteArray();
        } catch (IOException e) {
            if (expired.get()) throw timedOut(url);
            throw new ImageException("could not fetch image URL " + shown(url) + ": " + describe(e));
        } finally {
            timer.cancel(false);
        }
    }

    private void checkTarget(URI uri) throws ImageException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new ImageException("image URL " + shown(uri) + " is not http(s)");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) throw new ImageException("image URL " + shown(uri) + " has no host");
        if (uri.getRawUserInfo() != null) throw new ImageException("image URLs with credentials are not fetched");
        if (options.allowPrivateUrls()) return;
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        } catch (UnknownHostException e) {
            throw new ImageException("image URL host '" + host + "' does not resolve");
        }
        if (addresses.length == 0) throw new ImageException("image URL host '" + host + "' does not resolve");
        for (InetAddress a : addresses) {
            if (!isPublic(a)) {
                throw new ImageException("image URL " + shown(uri) + " points to a non-public address (" + a.getHostAddress()
                        + "); the server fetches images from public addresses only (--allow-private-image-urls)");
            }
        }
    }

    /** Whether {@code a} is a globally routable unicast address. */
    static boolean isPublic(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) return isPublicV4(b, 0);
        if (a instanceof Inet6Address) {
            int first = b[0] & 0xFF;
            if ((first & 0xFE) == 0xFC) return false; // fc00::/7 unique local
            boolean zeros80 = true;
            for (int i = 0; i < 10; i++) zeros80 &= b[i] == 0;
            // IPv4-compatible (::a.b.c.d), IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96), 6to4 (2002::/16):
            // judged by the IPv4 address inside.
            if (zeros80 && ((b[10] == 0 && b[11] == 0) || ((b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF))) return isPublicV4(b, 12);
            if (first == 0x00 && (b[1] & 0xFF) == 0x64 && (b[2] & 0xFF) == 0xFF && (b[3] & 0xFF) == 0x9B) return isPublicV4(b, 12);
            if (first == 0x20 && (b[1] & 0xFF) == 0x02) return isPublicV4(b, 2);
            if (first == 0x20 && (b[1] & 0xFF) == 0x01 && b[2] == 0x0D && (b[3] & 0xFF) == 0xB8) return false; // documentation
            return (first & 0xE0) == 0x20; // 2000::/3, the global unicast space
        }
        return false;
    }

    private static boolean isPublicV4(byte[] b, int o) {
        int x = b[o] & 0xFF, y = b[o + 1] & 0xFF, z = b[o + 2] & 0xFF;
        if (x == 0 || x == 10 || x == 127 || x >= 224) return false;       // this network, private, loopback, multicast, reserved
        if (x == 100 && (y & 0xC0) == 64) return false;                    // 100.64/10 shared (carrier NAT)
        if (x == 169 && y == 254) return false;                            // link local (cloud metadata services)
        if (x == 172 && (y & 0xF0) == 16) return false;                    // 172.16/12
        if (x == 192 && y == 168) return false;                            // 192.168/16
        if (x == 192 && y == 0 && (z == 0 || z == 2)) return false;        // IETF protocol assignments, documentation
        if (x == 198 && (y & 0xFE) == 18) return false;                    // 198.18/15 benchmarking
        if ((x == 198 && y == 51 && z == 100) || (x == 203 && y == 0 && z == 113)) return false; // documentation
        return true;
    }

    private static ImageException timedOut(URI url) {
        return new ImageException("fetching image URL " + shown(url) + " took too long");
    }

    private ImageException tooLarge(URI url) {
        return new ImageException("image at " + shown(url) + " is larger than " + options.maxImageBytes() + " bytes (--max-image-bytes)");
    }

    /** The URL for a message: without query (it may hold tokens), shortened. */
    static String shown(URI url) {
        String s = url.getScheme() + "://" + (url.getRawAuthority() == null ? "" : url.getRawAuthority().replaceFirst("^.*@", ""))
                + (url.getRawPath() == null ? "" : url.getRawPath());
        return s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing more to do for a body we abandon
        }
    }
}
