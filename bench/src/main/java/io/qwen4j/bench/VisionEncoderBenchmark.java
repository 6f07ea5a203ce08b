package io.qwen4j.bench;

import io.qwen4j.gguf.GgmlType;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufValueType;
import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.image.ImageDecoder;
import io.qwen4j.image.ImagePreprocessor;
import io.qwen4j.image.PixelValues;
import io.qwen4j.image.RgbImage;
import io.qwen4j.model.ModelArchitectures;
import io.qwen4j.model.VisionEncoder;
import io.qwen4j.tensor.WorkerPool;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Encodes a 448×448 and a 1024×768 image with a random-weight F16 tower of Qwen3-VL-2B's vision shape
 * (width 1024, depth 24, 16 heads, FFN 4096, patch 16, merge 2, 48×48 positions, deepstack [5, 11, 17],
 * output 2048), written as an mmproj GGUF in a temporary file, and prints the time of decoding + preprocessing,
 * ViT (embedding + blocks) and mergers.
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
 *     io.qwen4j.bench.VisionEncoderBenchmark [threads] [runs]</pre>
 */
public final class VisionEncoderBenchmark {

    static final int WIDTH = 1024, DEPTH = 24, HEADS = 16, FFN = 4096, PATCH = 16, MERGE = 2, GRID = 48, OUT = 2048;
    static final int[] DEEPSTACK = {5, 11, 17};

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path file = Files.createTempFile("qwen4j-vision-2b-random", ".gguf");
        try {
            long w0 = System.nanoTime();
            writeRandomMmproj(file);
            System.out.printf("random F16 mmproj (2B vision shape): %,d bytes written in %.1f s%n", Files.size(file), (System.nanoTime() - w0) / 1e9);
            try (GgufFile gguf = GgufFile.open(file); WorkerPool pool = new WorkerPool(threads)) {
                VisionEncoder encoder = ModelArchitectures.BUILT_IN.byName("qwen3vl").loadVisionEncoder(gguf, pool);
                System.out.println(encoder + ", " + threads + " threads");
                ImagePreprocessor pre = new ImagePreprocessor(encoder.preprocessorConfig());
                for (int[] size : new int[][] {{448, 448}, {1024, 768}}) {
                    byte[] png = syntheticPng(size[0], size[1]);
                    for (int run = 0; run < runs; run++) {
                        long cpu0 = processCpuNanos(), p0 = System.nanoTime();
                        RgbImage rgb = new ImageDecoder().decode(png);
                        long p1 = System.nanoTime();
                        PixelValues pv = pre.preprocess(rgb);
                        long p2 = System.nanoTime();
                        encoder.encode(List.of(pv));
                        long p3 = System.nanoTime(), cpu = processCpuNanos() - cpu0;
                        VisionEncoder.Timings t = encoder.lastTimings();
                        double gflop = vitFlops(pv.patches()) / 1e9;
                        System.out.printf("%4dx%-4d %4d patches %4d tokens run %d: decode %6.1f ms, preprocess %6.1f ms, ViT %8.1f ms (embedding %.1f, blocks %.1f), mergers %7.1f ms, total %8.1f ms wall, %8.1f ms process CPU; ViT+mergers %.0f GFLOP = %.1f GFLOP/s wall, %.1f per CPU-second%n",
                                size[0], size[1], pv.patches(), pv.tokens(), run, (p1 - p0) / 1e6, (p2 - p1) / 1e6,
                                (t.embeddingNanos() + t.blocksNanos()) / 1e6, t.embeddingNanos() / 1e6, t.blocksNanos() / 1e6,
                                t.mergerNanos() / 1e6, (p3 - p0) / 1e6, cpu / 1e6, gflop, gflop / ((p3 - p2) / 1e9), gflop / (cpu / 1e9));
                    }
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Multiply-adds ×2 of the tower and mergers for one image of {@code n} patches. */
    static double vitFlops(int n) {
        double linear = 2.0 * n * DEPTH * (4.0 * WIDTH * WIDTH + 2.0 * WIDTH * FFN) + 2.0 * n * 3 * 2 * PATCH * PATCH * WIDTH;
        double attention = 2.0 * DEPTH * 2.0 * n * n * WIDTH;
        int merged = WIDTH * MERGE * MERGE, tokens = n / (MERGE * MERGE);
        double mergers = (DEEPSTACK.length + 1) * 2.0 * tokens * (merged * (double) merged + merged * (double) OUT);
        return linear + attention + mergers;
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** A smooth photo-like test picture as PNG bytes. */
    static byte[] syntheticPng(int width, int height) throws Exception {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Random r = new Random(7);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int red = (int) (127 + 100 * Math.sin(x / 37.0) * Math.cos(y / 53.0)) + r.nextInt(8);
                int green = (x * 255 / width + r.nextInt(8)) & 0xFF, blue = (y * 255 / height) & 0xFF;
                img.setRGB(x, y, Math.clamp(red, 0, 255) << 16 | green << 8 | blue);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    static void writeRandomMmproj(Path file) throws Exception {
        Random r = new Random(42);
        Arena arena = Arena.ofAuto();
        int merged = WIDTH * MERGE * MERGE;
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "clip")
                .putString("general.type", "mmproj")
                .putBool("clip.has_vision_encoder", true)
                .putString("clip.projector_type", "qwen3vl_merger")
                .putUint32("clip.vision.embedding_length", WIDTH)
                .putUint32("clip.vision.feed_forward_length", FFN)
                .putUint32("clip.vision.block_count", DEPTH)
                .putUint32("clip.vision.attention.head_count", HEADS)
                .putUint32("clip.vision.patch_size", PATCH)
                .putUint32("clip.vision.spatial_merge_size", MERGE)
                .putUint32("clip.vision.projection_dim", OUT)
                .putUint32("clip.vision.image_size", GRID * PATCH)
                .putFloat32("clip.vision.attention.layer_norm_epsilon", 1e-6f)
                .putBool("clip.use_gelu", true);
        boolean[] flags = new boolean[DEPTH];
        for (int l : DEEPSTACK) flags[l] = true;
        w.putArray("clip.vision.is_deepstack_layers", GgufValueType.BOOL, flags);
        w.putArray("clip.vision.image_mean", GgufValueType.FLOAT32, new float[] {0.5f, 0.5f, 0.5f});
        w.putArray("clip.vision.image_std", GgufValueType.FLOAT32, new float[] {0.5f, 0.5f, 0.5f});
        // Random F16 matrices, one buffer per shape shared by every tensor of that shape (the file still
        // holds each tensor separately, so the encoder reads as many bytes as a real model).
        MemorySegment qkv = f16(arena, r, WIDTH * 3 * WIDTH, 1 / Math.sqrt(WIDTH));
        MemorySegment square = f16(arena, r, WIDTH * WIDTH, 1 / Math.sqrt(WIDTH));
        MemorySegment up = f16(arena, r, WIDTH * FFN, 1 / Math.sqrt(WIDTH));
        MemorySegment down = f16(arena, r, FFN * WIDTH, 1 / Math.sqrt(FFN));
        MemorySegment fc1 = f16(arena, r, merged * merged, 1 / Math.sqrt(merged));
        MemorySegment fc2 = f16(arena, r, merged * OUT, 1 / Math.sqrt(merged));
        MemorySegment patch = f16(arena, r, PATCH * PATCH * 3 * WIDTH, 1 / Math.sqrt(3 * 2 * PATCH * PATCH));
        w.addTensor("v.patch_embd.weight", GgmlType.F16, new long[] {PATCH, PATCH, 3, WIDTH}, patch);
        w.addTensor("v.patch_embd.weight.1", GgmlType.F16, new long[] {PATCH, PATCH, 3, WIDTH}, patch);
        w.addTensor("v.patch_embd.bias", GgmlType.F32, new long[] {WIDTH}, gaussian(r, WIDTH, 0.02, 0));
        w.addTensor("v.position_embd.weight", GgmlType.F32, new long[] {WIDTH, GRID * GRID}, gaussian(r, WIDTH * GRID * GRID, 0.5, 0));
        for (int l = 0; l < DEPTH; l++) {
            String p = "v.blk." + l + ".";
            w.addTensor(p + "ln1.weight", GgmlType.F32, new long[] {WIDTH}, gaussian(r, WIDTH, 0.1, 1));
            w.addTensor(p + "ln1.bias", GgmlType.F32, new long[] {WIDTH}, gaussian(r, WIDTH, 0.05, 0));
            w.addTensor(p + "attn_qkv.weight", GgmlType.F16, new long[] {WIDTH, 3 * WIDTH}, qkv);
            w.addTensor(p + "attn_qkv.bias", GgmlType.F32, new long[] {3 * WIDTH}, gaussian(r, 3 * WIDTH, 0.05, 0));
            w.addTensor(p + "attn_out.weight", GgmlType.F16, new long[] {WIDTH, WIDTH}, square);
            w.addTensor(p + "attn_out.bias", GgmlType.F32, new long[] {WIDTH}, gaussian(r, WIDTH, 0.05, 0));
            w.addTensor(p + "ln2.weight", GgmlType.F32, new long[] {WIDTH}, gaussian(r, WIDTH, 0.1, 1));
            w.addTensor(p + "ln2.bias", GgmlType.F32, new long[] {WIDTH}, gaussian(r, WIDTH, 0.05, 0));
            w.addTensor(p + "ffn_up.weight", GgmlType.F16, new long[] {WIDTH, FFN}, up);
            w.addTensor(p + "ffn_up.bias", GgmlType.F32, new long[] {FFN}, gaussian(r, FFN, 0.05, 0));
            w.addTensor(p + "ffn_down.weight", GgmlType.F16, new long[] {FFN, WIDTH}, down);
            w.addTensor(p + "ffn_down.bias", GgmlType.F32, new long[] {WIDTH}, gaussian(r, WIDTH, 0.05, 0));
        }
        String[] mergers = new String[DEEPSTACK.length + 1];
        for (int k = 0; k < DEEPSTACK.length; k++) mergers[k] = "v.deepstack." + DEEPSTACK[k] + ".";
        for (int k = 0; k < mergers.length; k++) {
            boolean main = k == DEEPSTACK.length;
            int normWidth = main ? WIDTH : merged;
            String norm = main ? "v.post_ln." : mergers[k] + "norm.";
            w.addTensor(norm + "weight", GgmlType.F32, new long[] {normWidth}, gaussian(r, normWidth, 0.1, 1));
            w.addTensor(norm + "bias", GgmlType.F32, new long[] {normWidth}, gaussian(r, normWidth, 0.05, 0));
            String a = main ? "mm.0." : mergers[k] + "fc1.", b = main ? "mm.2." : mergers[k] + "fc2.";
            w.addTensor(a + "weight", GgmlType.F16, new long[] {merged, merged}, fc1);
            w.addTensor(a + "bias", GgmlType.F32, new long[] {merged}, gaussian(r, merged, 0.05, 0));
            w.addTensor(b + "weight", GgmlType.F16, new long[] {merged, OUT}, fc2);
            w.addTensor(b + "bias", GgmlType.F32, new long[] {OUT}, gaussian(r, OUT, 0.05, 0));
        }
        w.write(file);
    }

    static float[] gaussian(Random r, int n, double std, double mean) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (mean + std * r.nextGaussian());
        return v;
    }

    static MemorySegment f16(Arena arena, Random r, int n, double std) {
        MemorySegment s = arena.allocate(2L * n, 64);
        ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) s.setAtIndex(le, i, Float.floatToFloat16((float) (std * r.nextGaussian())));
        return s;
    }
}
