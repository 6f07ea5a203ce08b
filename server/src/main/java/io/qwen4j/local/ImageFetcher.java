package io.qwen4j.local;

import io.qwen4j.image.ImageException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * Downloads the image of an {@code http(s)} URL for a chat request, defensively, since the URL is the caller's:
 * <ul>
 *   <li>every address the host name resolves to must be public (not loopback, private, link-local, unique-local,
 *       multicast, unspecified, shared or reserved), checked again at every redirect, unless the operator
 *       allows private URLs. The check runs inside the client's own name resolution, so the connection goes to
 *       exactly the addresses checked: no DNS-rebinding window between check and connect. No proxy is used;</li>
 *   <li>a refusal never says what a name resolved to (that would make the server a DNS oracle for the
 *       caller's view into our network);</li>
 *   <li>a connect timeout, and one deadline for the whole download, redirects included;</li>
 *   <li>the body is read in pieces and abandoned as soon as it exceeds the size cap (a declared
 *       Content-Length over the cap is refused before reading).</li>
 * </ul>
 */
public final class ImageFetcher implements AutoCloseable {
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

    /** A refusal raised inside name resolution, carried out of the HTTP client as the failure's cause. */
    private static final class Refused extends IOException {
        Refused(String message) {
            super(message, null);
        }
    }

    private final ImageOptions options;
    private final HttpClient http;
    private final Resolver resolver;
    private final Predicate<InetAddress> allowed;

    public ImageFetcher(ImageOptions options) {
        this(options, InetAddress::getAllByName, ImageFetcher::isPublic);
    }

    /** @param allowed which resolved addresses may be contacted when private URLs are not allowed */
    ImageFetcher(ImageOptions options, Resolver resolver, Predicate<InetAddress> allowed) {
        this.options = options;
        this.resolver = resolver;
        this.allowed = allowed;
        this.http = new HttpClient();
        http.setFollowRedirects(false); // followed here, each target checked
        http.setConnectTimeout(options.connectTimeout().toMillis());
        http.setSocketAddressResolver(this::resolveChecked);
        http.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "qwen4j"));
        http.setExecutor(new VirtualThreadPool());
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException("the image fetcher's HTTP client did not start", e);
        }
    }

    /** The HTTP client's name resolution: the addresses it connects to are the ones checked here. */
    private void resolveChecked(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
        try {
            InetAddress[] addresses = resolver.resolve(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
            if (addresses.length == 0) throw new UnknownHostException(host);
            List<InetSocketAddress> out = new ArrayList<>(addresses.length);
            for (InetAddress a : addresses) {
                if (!options.allowPrivateUrls() && !allowed.test(a)) {
                    promise.failed(new Refused("image URL host '" + host + "' is not a public address; the server fetches images"
                            + " from public addresses only (--allow-private-image-urls)"));
                    return;
                }
                out.add(new InetSocketAddress(a, port));
            }
            promise.succeeded(out);
        } catch (UnknownHostException e) {
            promise.failed(new Refused("image URL host '" + host + "' does not resolve"));
        } catch (RuntimeException e) {
            promise.failed(e);
        }
    }

    /** The bytes at {@code url}; any failure is an {@link ImageException} whose message can go to the caller. */
    public byte[] fetch(URI url) throws ImageException, InterruptedException {
        long deadline = System.nanoTime() + options.fetchTimeout().toNanos();
        URI current = url;
        for (int redirects = 0; ; redirects++) {
            checkTarget(current);
            long left = deadline - System.nanoTime();
            if (left <= 0) throw timedOut(url);
            InputStreamResponseListener listener = new InputStreamResponseListener();
            Response response;
            try {
                http.newRequest(current).method(HttpMethod.GET).timeout(left, TimeUnit.NANOSECONDS)
                        .headers(h -> h.put(HttpHeader.ACCEPT, "image/*")).send(listener);
                response = listener.get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                closeQuietly(listener);
                throw timedOut(url);
            } catch (ExecutionException e) {
                throw failure(url, e.getCause());
            } catch (IllegalArgumentException e) {
                throw new ImageException("could not fetch image URL " + shown(url) + ": " + describe(e));
            }
            int status = response.getStatus();
            if (status >= 300 && status < 400 && status != 304) {
                closeQuietly(listener);
                String location = response.getHeaders().get(HttpHeader.LOCATION);
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
                closeQuietly(listener);
                throw new ImageException("image URL " + shown(url) + " answered HTTP " + status);
            }
            long declared = response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
            if (declared > options.maxImageBytes()) {
                closeQuietly(listener);
                throw tooLarge(url);
            }
            return readCapped(listener.getInputStream(), url, deadline);
        }
    }

    private ImageException failure(URI url, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof Refused r) return new ImageException(r.getMessage());
            if (t instanceof TimeoutException) return timedOut(url);
        }
        return new ImageException("could not fetch image URL " + shown(url) + ": " + describe(cause));
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
            throw failure(url, e);
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
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            // nothing more to do for a client we abandon
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

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static void closeQuietly(AutoCloseable in) {
        try {
            in.close();
        } catch (Exception ignored) {
            // nothing more to do for a body we abandon
        }
    }
}
