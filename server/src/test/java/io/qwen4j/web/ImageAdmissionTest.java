package io.qwen4j.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.api.ModelCatalogue;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.gateway.Gateway;
import io.qwen4j.gateway.KeySecret;
import io.qwen4j.gateway.PriceTable;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.local.ImageOptions;
import io.qwen4j.local.LocalBackend;
import io.qwen4j.local.LocalModel;
import io.qwen4j.local.VisionTower;
import io.qwen4j.store.ApiKeyStore;
import io.qwen4j.store.Database;
import io.qwen4j.store.NewApiKey;
import io.qwen4j.store.TestStores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request's images are measured from their headers and the request admitted (context, credit) before any pixel is
 * decoded: the images below have a valid header and undecodable data, so only a request that got past admission
 * could ever learn that.
 */
class ImageAdmissionTest {
    static Database db;
    static LocalModel model;
    static LocalBackend backend;
    static ApiServer server;
    static Gateway gateway;
    static String broke, rich;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        db = TestStores.open("sqlite");
        model = LocalModel.load(TestServer.testdata("hf/tiny-a/tiny-a-F32.gguf"), null, List.of("tiny-a"));
        VisionTower vision = VisionTower.load(model.architecture(), TestServer.testdata("hf/tiny-a/mmproj-tiny-a-F32.gguf"), ImageOptions.defaults(), 1);
        backend = LocalBackend.start(model, vision, EngineConfig.builder(1024).parallel(1).kvStorage(PagedKvCache.Storage.F32).build(), 1);
        gateway = Gateway.open(db, Gateway.Settings.defaults().withPrices(PriceTable.parse("""
                {"currency": "CNY", "models": {"tiny-a": {"input": "1", "output": "1"}}}""")));
        broke = key("broke", "0");
        rich = key("rich", "100");
        server = new ApiServer(ModelCatalogue.of(backend), ApiServer.Options.defaults(), gateway).start("127.0.0.1", 0);
    }

    static String key(String name, String credit) {
        KeySecret s = KeySecret.generate();
        new ApiKeyStore(db).create(new NewApiKey(name, new BigDecimal(credit), "CNY", null, null, null, null), s.hash(), s.prefix(), Instant.now());
        return s.secret();
    }

    @AfterAll
    static void stop() {
        server.close();
        backend.close();
        gateway.close();
        model.close();
        db.close();
    }

    @Test
    void aKeyWithoutCreditGets402BeforeAnyImageIsDecoded() throws Exception {
        HttpResponse<String> r = chat(broke, png(64, 64));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(402);
        assertThat(r.body()).contains("insufficient_quota");
    }

    @Test
    void imagesBeyondTheContextAreRefusedFromTheirHeaders() throws Exception {
        HttpResponse<String> r = chat(rich, png(7000, 7000));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("context_length_exceeded");
    }

    @Test
    void anAdmittedRequestStillLearnsItsImageIsCorrupt() throws Exception {
        HttpResponse<String> r = chat(rich, png(64, 64));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("messages[0].content[0]").contains("PNG");
        assertThat(gateway.keys().resolve("rich").reserved()).as("the reservation was released").isEqualByComparingTo("0");
    }

    static HttpResponse<String> chat(String key, byte[] image) throws Exception {
        ObjectNode body = TestServer.JSON.createObjectNode().put("model", "tiny-a").put("max_tokens", 4);
        var content = body.putArray("messages").addObject().put("role", "user").putArray("content");
        content.add(ImageChatTest.imageUrl(ImageChatTest.dataUri("image/png", image)));
        content.addObject().put("type", "text").put("text", "What is this?");
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A PNG whose header (signature, IHDR with its CRC) says width × height RGB, followed by data that is no image. */
    static byte[] png(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        ByteBuffer ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes()).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        out.writeBytes(ByteBuffer.allocate(4).putInt(13).array());
        out.writeBytes(ihdr.array());
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        ByteBuffer idat = ByteBuffer.allocate(4 + 4 + 64 + 4).putInt(64).put("IDAT".getBytes()).put(new byte[64]).putInt(0);
        out.writeBytes(idat.array());
        return out.toByteArray();
    }
}
