package io.qwen4j.local;

import io.qwen4j.image.ImageException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Image URLs: what is fetched, and every way a URL is refused (SSRF, size, time, redirects). */
class ImageFetcherTest {
    static final Path IMAGES = Path.of(System.getProperty("qwen4j.testdata", "../testdata")).resolve("hf/tiny-a/images").toAbsolutePath().normalize();
    static LocalImageHost host;

    @BeforeAll
    static void start() throws Exception {
        host = new LocalImageHost(IMAGES);
    }

    @AfterAll
    static void stop() {
        host.close();
    }

    static ImageOptions open() {
        return ImageOptions.defaults().withAllowPrivateUrls(true).withMaxImageBytes(300_000).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2));
    }

    /**
     * A fetcher for which the name "images.test" resolves to loopback and counts as public; other names resolve
     * as usual and loopback literals stay private. The system cannot resolve "images.test", so a fetch through it
     * shows that the connection went to the address the check saw.
     */
    static ImageFetcher pretendingImagesTestIsPublic() {
        return new ImageFetcher(ImageOptions.defaults().withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)),
                name -> name.equals("images.test") ? new InetAddress[] {InetAddress.getByAddress("images.test", new byte[] {127, 0, 0, 1})}
                        : InetAddress.getAllByName(name),
                a -> ImageFetcher.isPublic(a) || a.toString().startsWith("images.test/"));
    }

    @Test
    void fetchesAnImage() throws Exception {
        byte[] got = new ImageFetcher(open()).fetch(URI.create(host.url("/images/grad_64x64.png")));
        assertThat(got).isEqualTo(Files.readAllBytes(IMAGES.resolve("grad_64x64.png")));
    }

    @Test
    void followsARedirectAndChecksItsTarget() throws Exception {
        String target = "http://images.test:" + host.port() + "/images/grad_64x64.png";
        byte[] got = pretendingImagesTestIsPublic().fetch(URI.create("http://images.test:" + host.port() + "/redirect?to=" + URLEncoder.encode(target, StandardCharsets.UTF_8)));
        assertThat(got).hasSize(576);
        // The same redirect to a loopback literal is refused: the check runs again on every hop.
        String loopback = host.url("/images/grad_64x64.png");
        assertThatThrownBy(() -> pretendingImagesTestIsPublic().fetch(URI.create("http://images.test:" + host.port() + "/redirect?to="
                + URLEncoder.encode(loopback, StandardCharsets.UTF_8))))
                .isInstanceOf(ImageException.class).hasMessageContaining("is not a public address");
    }

    /** DNS rebinding: the name answers the check with one address and a later lookup with another. */
    @Test
    void connectsToTheAddressesItChecked() throws Exception {
        java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
        ImageFetcher f = new ImageFetcher(ImageOptions.defaults().withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)),
                name -> new InetAddress[] {lookups.getAndIncrement() == 0
                        ? InetAddress.getByAddress(name, new byte[] {127, 0, 0, 1}) : InetAddress.getByAddress(name, new byte[] {10, 0, 0, 1})},
                a -> a.getAddress()[0] == 127);
        assertThat(f.fetch(URI.create("http://rebinding.test:" + host.port() + "/images/grad_64x64.png"))).hasSize(576);
        assertThat(lookups.get()).as("one lookup, checked and used").isEqualTo(1);
        f.close();
    }

    @Test
    void refusesPrivateAddressesUnlessAllowed() {
        ImageFetcher strict = new ImageFetcher(ImageOptions.defaults());
        for (String url : new String[] {host.url("/images/grad_64x64.png"), "http://localhost:1/x.png", "http://169.254.169.254/latest/meta-data",
                "http://10.0.0.1/x.png", "http://[::1]/x.png", "http://[fd00::1]/x.png", "http://0.0.0.0/x.png", "http://[::ffff:192.168.1.1]/a"}) {
            assertThatThrownBy(() -> strict.fetch(URI.create(url))).as(url).isInstanceOf(ImageException.class)
                    .hasMessageContaining("is not a public address").hasMessageContaining("--allow-private-image-urls");
        }
        assertThatThrownBy(() -> strict.fetch(URI.create("http://localhost:1/x.png"))).message().as("no DNS oracle").doesNotContain("127.0.0.1");
    }

    @Test
    void everyResolvedAddressMustBePublic() {
        ImageFetcher f = new ImageFetcher(ImageOptions.defaults(), name -> new InetAddress[] {
                InetAddress.getByName("93.184.215.14"), InetAddress.getByName("192.168.0.10")}, ImageFetcher::isPublic);
        assertThatThrownBy(() -> f.fetch(URI.create("http://images.example/x.png"))).isInstanceOf(ImageException.class)
                .hasMessageContaining("is not a public address").message().as("no DNS oracle").doesNotContain("192.168.0.10", "93.184");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
            "0.0.0.0", "224.0.0.1", "255.255.255.255", "240.0.0.1", "198.18.0.1", "192.0.2.1", "::1", "::", "fe80::1", "fc00::1",
            "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::a00:1", "2002:c0a8:0101::1", "2001:db8::1"})
    void nonPublicAddresses(String address) throws Exception {
        assertThat(ImageFetcher.isPublic(InetAddress.getByName(address))).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "2002:5db8:d70e::1", "64:ff9b::808:808"})
    void publicAddresses(String address) throws Exception {
        assertThat(ImageFetcher.isPublic(InetAddress.getByName(address))).isTrue();
    }

    @Test
    void abandonsABodyLargerThanTheCap() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> new ImageFetcher(open()).fetch(URI.create(host.url("/big?n=100000000"))))
                .isInstanceOf(ImageException.class).hasMessageContaining("larger than 300000 bytes");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThatThrownBy(() -> new ImageFetcher(open()).fetch(URI.create(host.url("/declared-big"))))
                .isInstanceOf(ImageException.class).hasMessageContaining("larger than 300000 bytes");
    }

    @Test
    void givesUpOnAStalledDownload() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> new ImageFetcher(open()).fetch(URI.create(host.url("/slow"))))
                .isInstanceOf(ImageException.class).hasMessageContaining("took too long");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(6));
    }

    @Test
    void limitsRedirectsAndRefusesErrors() {
        assertThatThrownBy(() -> new ImageFetcher(open()).fetch(URI.create(host.url("/loop"))))
                .isInstanceOf(ImageException.class).hasMessageContaining("redirected more than 3 times");
        assertThatThrownBy(() -> new ImageFetcher(open()).fetch(URI.create(host.url("/404"))))
                .isInstanceOf(ImageException.class).hasMessageContaining("HTTP 404");
        assertThatThrownBy(() -> new ImageFetcher(open()).fetch(URI.create(host.url("/redirect?to=file%3A%2F%2F%2Fetc%2Fpasswd"))))
                .isInstanceOf(ImageException.class).hasMessageContaining("is not http(s)");
    }
}
