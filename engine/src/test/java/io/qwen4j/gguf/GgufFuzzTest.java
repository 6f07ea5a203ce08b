package io.qwen4j.gguf;

import io.qwen4j.testing.TestData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of seeded, deterministic corruptions of the fixture files: truncations (at random and at every
 * structural field), byte flips, counts/lengths/types/dimensions/offsets set to hostile values, duplicate
 * names, overlapping tensors, unknown types, absurd alignments. Each mutant must either parse into a file
 * whose every tensor lies inside it (and whose rows dequantise) or fail with a {@link GgufFormatException}
 * carrying a message; any other throwable is a hole.
 */
@Tag("slow")
class GgufFuzzTest {

    @TempDir
    Path tmp;

    private final List<String> holes = new ArrayList<>();
    private final Map<String, Integer> outcomes = new TreeMap<>();
    private int mutants;
    private int viaFile;

    /** The fixtures, each with its seed and mutation budget. */
    static Stream<Arguments> fixtures() {
        return Stream.of(Arguments.of("tiny-Q4_0", 1L, 900), Arguments.of("tiny-Q4_K_M", 2L, 500), Arguments.of("mmproj-F16+alignment", 3L, 900),
                Arguments.of("vocab-reduced", 4L, 900), Arguments.of("vocab-full", 5L, 40));
    }

    @ParameterizedTest(name = "{0}, seed {1}")
    @MethodSource("fixtures")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void hostileVariantsOfTheFixturesFailCleanly(String fixture, long seed, int budget) throws Exception {
        long start = System.nanoTime();
        byte[] bytes = switch (fixture) {
            case "tiny-Q4_0" -> Files.readAllBytes(TestData.path("models/qwen3vl-tiny-Q4_0.gguf"));
            case "tiny-Q4_K_M" -> Files.readAllBytes(TestData.path("models/qwen3vl-tiny-Q4_K_M.gguf"));
            case "mmproj-F16+alignment" -> withAlignment(TestData.path("models/mmproj-qwen3vl-tiny-F16.gguf"), 64);
            case "vocab-reduced" -> reducedVocabulary();
            case "vocab-full" -> Files.readAllBytes(TestData.path("tokenizer/qwen3-vocab.gguf"));
            default -> throw new IllegalArgumentException(fixture);
        };
        fuzz(fixture, bytes, seed, budget);
        double seconds = (System.nanoTime() - start) / 1e9;
        int parsed = outcomes.getOrDefault("parsed", 0);
        System.out.printf("GgufFuzzTest %s (seed %d): %d mutants (%d through temp files) in %.1f s: %d parsed, %d rejected with %d kinds of message%n",
                fixture, seed, mutants, viaFile, seconds, parsed, mutants - parsed, outcomes.size() - (parsed > 0 ? 1 : 0));
        assertThat(holes).as("mutants of %s (seed %d) that did not fail cleanly", fixture, seed).isEmpty();
        assertThat(mutants).as("mutants of %s (seed %d)", fixture, seed).isGreaterThanOrEqualTo(budget);
    }

    /** A fixture rewritten with {@code general.alignment} set, so the alignment field can be attacked. */
    private byte[] withAlignment(Path fixture, int alignment) throws Exception {
        Path out = tmp.resolve("aligned.gguf");
        try (GgufFile f = GgufFile.open(fixture)) {
            GgufWriter.copyOf(f).putUint32("general.alignment", alignment).write(out);
        }
        return Files.readAllBytes(out);
    }

    /** The vocabulary file with its big arrays cut to 3000 entries: still header-only and string-heavy, but fast. */
    private byte[] reducedVocabulary() throws Exception {
        Path out = tmp.resolve("vocab.gguf");
        try (GgufFile f = GgufFile.open(TestData.path("tokenizer/qwen3-vocab.gguf"))) {
            GgufWriter w = new GgufWriter();
            for (GgufMetadata.Entry e : f.metadata().entries().values()) {
                Object v = switch (e.value()) {
                    case List<?> l when l.size() > 3000 -> List.copyOf(l.subList(0, 3000));
                    case long[] a when a.length > 3000 -> java.util.Arrays.copyOf(a, 3000);
                    default -> e.value();
                };
                w.put(new GgufMetadata.Entry(e.key(), e.type(), e.elementType(), v));
            }
            w.write(out);
        }
        return Files.readAllBytes(out);
    }

    private void fuzz(String name, byte[] bytes, long seed, int budget) throws Exception {
        GgufLayoutMap map = GgufLayoutMap.of(bytes);
        Random r = new Random(seed);
        int before = mutants;
        List<GgufLayoutMap.Field> fields = map.fields;

        // Truncations at and around every structural field (sampled when there are many), and at random.
        List<Long> cuts = new ArrayList<>(List.of(0L, 3L, 4L, 7L, 8L, 15L, 16L, 23L, 24L, map.headerEnd - 1, map.headerEnd,
                map.headerEnd + 1, (long) bytes.length - 1));
        for (GgufLayoutMap.TensorEntry t : map.tensors) cuts.add(map.headerEnd + t.dataOffset() + 1);
        for (GgufLayoutMap.Field f : sample(fields, budget / 8, r)) {
            cuts.add(f.offset());
            cuts.add(f.offset() + 1);
            cuts.add(f.offset() + f.width());
        }
        for (int i = 0; i < budget / 10; i++) cuts.add((long) r.nextInt(bytes.length));
        for (long cut : cuts) {
            if (cut >= 0 && cut < bytes.length) check(name + " truncated to " + cut, bytes, cut);
        }

        // Structural fields set to hostile values.
        long size = bytes.length;
        for (GgufLayoutMap.Field f : sample(fields, budget / 3, r)) {
            long original = read(bytes, f);
            long[] candidates = switch (f.kind()) {
                case TENSOR_OFFSET -> new long[] {0, 1, 32, -1, Long.MIN_VALUE, Long.MAX_VALUE, size, size - map.headerEnd,
                        (size - map.headerEnd) & ~31L, original + 32, original - 32, 1L << 40};
                case DIM -> new long[] {0, -1, 1, 3, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 32, 1L << 62, original * 2, original + 1, size};
                case VALUE_TYPE, ARRAY_TYPE, TENSOR_TYPE -> new long[] {-1, 13, 4, 5, 16, 19, 23, 29, 31, 39, 1000, Integer.MIN_VALUE,
                        r.nextInt(14), 9, 12, 30};
                case N_DIMS -> new long[] {0, -1, 5, 8, 1 << 20, Integer.MIN_VALUE, 1, 2, 3, 4};
                case MAGIC -> new long[] {0, 0x46554746, Integer.reverseBytes(GgufFile.MAGIC)};
                case VERSION -> new long[] {0, 1, 4, -1, 2};
                case BOOL -> new long[] {2, 255};
                default -> new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 32, 1L << 31, size, size - f.offset(),
                        size - f.offset() + 1, original + 1, original - 1, original * 2, original * 1000, 1L << 60};
            };
            for (int k = 0; k < 3; k++) {
                long value = candidates[r.nextInt(candidates.length)];
                overwrite(name + " " + f + " := " + value, bytes, f.offset(), f.width(), value);
            }
        }

        // Random byte flips, mostly in the header.
        for (int i = 0; i < budget / 4; i++) {
            int flips = 1 + r.nextInt(8);
            long limit = r.nextInt(4) == 0 ? bytes.length : map.headerEnd;
            int[] at = new int[flips];
            byte[] saved = new byte[flips];
            StringBuilder what = new StringBuilder(name + " flips");
            for (int j = 0; j < flips; j++) {
                at[j] = (int) (r.nextLong(limit));
                saved[j] = bytes[at[j]];
                bytes[at[j]] = (byte) (r.nextBoolean() ? r.nextInt(256) : saved[j] ^ (1 << r.nextInt(8)));
                what.append(' ').append(at[j]);
            }
            check(what.toString(), bytes, bytes.length);
            for (int j = flips - 1; j >= 0; j--) bytes[at[j]] = saved[j];
        }

        // Duplicate names (one name's bytes copied over another of the same length) and duplicate keys.
        for (int i = 0; i < map.tensors.size(); i++) {
            for (int j = i + 1; j < map.tensors.size() && j < i + 3; j++) {
                var a = map.tensors.get(i);
                var b = map.tensors.get(j);
                if (a.name().length() != b.name().length()) continue;
                byte[] name2 = a.name().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                patchAndCheck(name + " tensor '" + b.name() + "' renamed '" + a.name() + "'", bytes, b.nameOffset(), name2);
            }
        }
        for (int i = 0; i + 1 < map.keys.size(); i++) {
            var a = map.keys.get(i);
            var b = map.keys.get(i + 1);
            if (a.key().length() != b.key().length()) continue;
            patchAndCheck(name + " key '" + b.key() + "' renamed '" + a.key() + "'", bytes, b.keyOffset(),
                    a.key().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        // Overlapping tensors: one tensor's offset pointed into another's data.
        for (int i = 1; i < map.tensors.size(); i++) {
            var t = map.tensors.get(i);
            var other = map.tensors.get(r.nextInt(i));
            overwrite(name + " tensor '" + t.name() + "' moved onto '" + other.name() + "'", bytes, t.offsetField(), 8, other.dataOffset());
            if (mutants - before >= budget * 2) break;
        }

        // Absurd alignments, where the file has the key.
        for (GgufLayoutMap.KeyEntry k : map.keys) {
            if (!k.key().equals("general.alignment")) continue;
            for (long a : new long[] {0, 1, 3, 48, 1L << 30, 0xFFFF_FFFFL, 1L << 31, 16, 128}) {
                overwrite(name + " alignment := " + a, bytes, k.valueTypeOffset() + 4, 4, a);
            }
            for (long type : new long[] {GgufValueType.UINT64.id(), GgufValueType.INT32.id(), GgufValueType.STRING.id(),
                    GgufValueType.FLOAT32.id(), GgufValueType.BOOL.id(), GgufValueType.UINT8.id()}) {
                overwrite(name + " alignment type := " + type, bytes, k.valueTypeOffset(), 4, type);
            }
        }
    }

    /** {@code n} fields drawn at random (all of them when there are fewer), in file order. */
    private static List<GgufLayoutMap.Field> sample(List<GgufLayoutMap.Field> all, int n, Random r) {
        if (all.size() <= n) return all;
        List<GgufLayoutMap.Field> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(all.get(r.nextInt(all.size())));
        out.sort(Comparator.comparingLong(GgufLayoutMap.Field::offset));
        return out;
    }

    private static long read(byte[] bytes, GgufLayoutMap.Field f) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        return switch (f.width()) {
            case 1 -> bytes[(int) f.offset()];
            case 4 -> b.getInt((int) f.offset());
            default -> b.getLong((int) f.offset());
        };
    }

    private void overwrite(String what, byte[] bytes, long offset, int width, long value) throws Exception {
        byte[] patch = new byte[width];
        ByteBuffer b = ByteBuffer.wrap(patch).order(ByteOrder.LITTLE_ENDIAN);
        switch (width) {
            case 1 -> b.put((byte) value);
            case 4 -> b.putInt((int) value);
            default -> b.putLong(value);
        }
        patchAndCheck(what, bytes, offset, patch);
    }

    private void patchAndCheck(String what, byte[] bytes, long offset, byte[] patch) throws Exception {
        byte[] saved = java.util.Arrays.copyOfRange(bytes, (int) offset, (int) offset + patch.length);
        System.arraycopy(patch, 0, bytes, (int) offset, patch.length);
        try {
            check(what, bytes, bytes.length);
        } finally {
            System.arraycopy(saved, 0, bytes, (int) offset, saved.length);
        }
    }

    /** Parses {@code bytes[0, length)}; every 50th mutant goes through a temp file and {@link GgufFile#open}. */
    private void check(String what, byte[] bytes, long length) throws Exception {
        mutants++;
        boolean throughFile = mutants % 50 == 0;
        MemorySegment segment = MemorySegment.ofArray(bytes).asSlice(0, length);
        Path file = null;
        try {
            GgufFile f;
            if (throughFile) {
                viaFile++;
                file = tmp.resolve("mutant.gguf");
                Files.write(file, segment.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                f = GgufFile.open(file);
            } else {
                f = GgufFile.parse(segment);
            }
            try (f) {
                verifyParsed(what, f, length);
            }
            outcomes.merge("parsed", 1, Integer::sum);
        } catch (GgufFormatException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                holes.add(what + ": GgufFormatException without a message");
                return;
            }
            // Messages quote names from the file: they must stay short and free of control characters.
            if (e.getMessage().length() > 1000 || e.getMessage().chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                holes.add(what + ": unprintable or oversized message " + GgufFile.printable(e.getMessage()));
            }
            outcomes.merge("rejected: " + category(e.getMessage()), 1, Integer::sum);
        } catch (Throwable t) {
            holes.add(what + ": " + t);
        } finally {
            if (file != null) Files.deleteIfExists(file);
        }
    }

    /** Every tensor inside the file, no two overlapping, and its first and last rows dequantise. */
    private void verifyParsed(String what, GgufFile f, long length) {
        List<GgufTensorInfo> byOffset = new ArrayList<>(f.tensorInfos().values());
        byOffset.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        long end = f.dataOffset();
        for (GgufTensorInfo t : byOffset) {
            long start = f.dataOffset() + t.offset();
            if (start < end) holes.add(what + ": parsed with tensor '" + t.name() + "' overlapping another");
            end = start + t.byteSize();
            if (end > length) holes.add(what + ": parsed with tensor '" + t.name() + "' ending at " + end + " past " + length);
        }
        f.describe();
        for (GgufTensorInfo t : f.tensorInfos().values()) {
            long rows = t.elementCount() / t.dim(0);
            float[] first = GgmlDequantizer.dequantizeRows(f, t, 0, 1);
            float[] last = GgmlDequantizer.dequantizeRows(f, t, rows - 1, 1);
            if (first.length != t.dim(0) || last.length != t.dim(0)) holes.add(what + ": row of '" + t.name() + "' has the wrong length");
        }
    }

    /** The start of a rejection message without the numbers, to group outcomes. */
    private static String category(String message) {
        String m = message.replaceFirst("^GGUF: |^/\\S+: ", "").replaceAll("'[^']*'", "'…'").replaceAll("\\d+", "N");
        return m.length() > 60 ? m.substring(0, 60) : m;
    }
}
