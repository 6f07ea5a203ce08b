package io.qwen4j.tokenizer;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufMetadata;

import java.text.Normalizer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
 * The Qwen3 / Qwen3-VL tokenizer: byte-level BPE ({@code tokenizer.ggml.model = gpt2}) with the Qwen2
 * pre-tokenizer ({@code tokenizer.ggml.pre = qwen2}), built from a GGUF file's {@code tokenizer.ggml.*}
 * keys. Encoding follows Hugging Face tokenizers where it and llama.cpp disagree: text is NFC-normalised,
 * and {@code </s>} is an ordinary token. Immutable apart from an internal word cache; safe to use from
 * any number of threads.
 *
 * <pre>{@code
 * try (GgufFile gguf = GgufFile.open(path)) {
 *     Qwen3Tokenizer tokenizer = Qwen3Tokenizer.fromGguf(gguf);
 *     int[] ids = tokenizer.encode("<|im_start|>user\nHi<|im_end|>\n", true);
 * }
 * }</pre>
 * The tokenizer copies what it needs, so it outlives the GGUF file.
 */
public final class Qwen3Tokenizer {

    private static final int DEFAULT_CACHE_SLOTS = 1 << 17;

    private final Vocabulary vocabulary;
    private final BytePairEncoder bpe;
    private final SpecialTokenMatcher specialTokens;
    private final WordCache wordCache;

    Qwen3Tokenizer(Vocabulary vocabulary, MergeTable merges, int cacheSlots) {
        this.vocabulary = vocabulary;
        this.bpe = new BytePairEncoder(vocabulary, merges);
        this.specialTokens = new SpecialTokenMatcher(vocabulary);
        this.wordCache = cacheSlots > 0 ? new WordCache(cacheSlots) : null;
    }

    public static Qwen3Tokenizer fromGguf(GgufFile gguf) {
        return fromMetadata(gguf.metadata());
    }

    /** Builds from {@code tokenizer.ggml.model/pre/tokens/token_type/merges} and the special token ids. */
    public static Qwen3Tokenizer fromMetadata(GgufMetadata metadata) {
        return fromMetadata(metadata, DEFAULT_CACHE_SLOTS);
    }

    /**
     * As {@link #fromMetadata(GgufMetadata)} with a word cache of {@code cacheSlots} entries (rounded up to a
     * power of two); 0 disables the cache.
     */
    public static Qwen3Tokenizer fromMetadata(GgufMetadata metadata, int cacheSlots) {
        String model = metadata.getString("tokenizer.ggml.model", null);
        if (!"gpt2".equals(model)) {
            throw new IllegalArgumentException("tokenizer.ggml.model is " + model + "; only byte-level BPE (gpt2) is supported");
        }
        String pre = metadata.getString("tokenizer.ggml.pre", null);
        if (!"qwen2".equals(pre)) {
            throw new IllegalArgumentException("tokenizer.ggml.pre is " + pre + "; only the qwen2 pre-tokenizer is supported");
        }
        List<String> merges = metadata.getStringList("tokenizer.ggml.merges");
        if (merges == null) throw new IllegalArgumentException("GGUF has no tokenizer.ggml.merges string array");
        Vocabulary vocabulary = Vocabulary.fromMetadata(metadata);
        return new Qwen3Tokenizer(vocabulary, buildMergeTable(vocabulary, merges), cacheSlots);
    }

    /** Merge rules "left right" in rank order; rules naming a token the vocabulary lacks are skipped. */
    static MergeTable buildMergeTable(Vocabulary vocabulary, List<String> merges) {
        MergeTable table = new MergeTable(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            String rule = merges.get(rank);
            int space = rule.indexOf(' ', 1); // the left part is never empty; a space is written 'Ġ'
            if (space < 0) throw new IllegalArgumentException("merge rule #" + rank + " '" + rule + "' has no space");
            String left = rule.substring(0, space);
            String right = rule.substring(space + 1);
            Integer l = vocabulary.idOrNull(left);
            Integer r = vocabulary.idOrNull(right);
            Integer merged = vocabulary.idOrNull(left + right);
            if (l != null && r != null && merged != null) table.add(l, r, rank, merged);
        }
        return table;
    }

    BytePairEncoder bytePairEncoder() {
        return bpe;
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /**
     * Encodes text to token ids (never adds BOS). With {@code parseSpecial}, CONTROL tokens written in the
     * text (e.g. {@code <|im_start|>}) become single tokens; without it they are encoded as plain text, so
     * user content cannot inject them. USER_DEFINED tokens ({@code <think>}, {@code <tool_call>}, ...) are
     * matched either way. Between added tokens the text is NFC-normalised, then pre-tokenized and encoded.
     * A lone surrogate is encoded as U+FFFD.
     */
    public int[] encode(String text, boolean parseSpecial) {
        return encode(text, parseSpecial, null);
    }

    /**
     * As {@link #encode(String, boolean)}, except that no CONTROL token is recognised at a position set in
     * {@code plainAt}: there its text is encoded as plain text. A chat prompt marks where user content put
     * control-token text, so that only the template's own special tokens become special.
     */
    public int[] encode(String text, boolean parseSpecial, BitSet plainAt) {
        Objects.requireNonNull(text, "text");
        EncodingRun run = new EncodingRun(text.length());
        int segmentStart = 0;
        while (segmentStart <= text.length()) {
            long match = specialTokens.findNext(text, segmentStart, parseSpecial, plainAt);
            int segmentEnd = match < 0 ? text.length() : (int) (match >>> 32);
            if (segmentEnd > segmentStart) {
                String segment = segmentStart == 0 && segmentEnd == text.length() ? text : text.substring(segmentStart, segmentEnd);
                encodeOrdinaryText(nfc(segment), run);
            }
            if (match < 0) break;
            int id = (int) match;
            run.add(id);
            segmentStart = segmentEnd + vocabulary.text(id).length();
        }
        return run.toArray();
    }

    private void encodeOrdinaryText(String text, EncodingRun run) {
        int end = text.length();
        int start = 0;
        while (start < end) {
            int pieceEnd = Qwen2PreTokenizer.pieceEnd(text, start, end);
            encodePiece(text, start, pieceEnd, run);
            start = pieceEnd;
        }
    }

    private void encodePiece(String text, int start, int end, EncodingRun run) {
        char first = text.charAt(start);
        if (end - start == 1 && first < 0x80) { // one ASCII char: its byte token, no lookup needed
            run.add(vocabulary.byteTokenId(first));
            return;
        }
        boolean cacheable = wordCache != null && end - start <= WordCache.MAX_CACHED_CHARS;
        int hash = 0;
        if (cacheable) {
            hash = WordCache.hash(text, start, end);
            int[] cached = wordCache.get(text, start, end, hash);
            if (cached != null) {
                run.addAll(cached, WordCache.idsOffset(), WordCache.idCount(cached));
                return;
            }
        }
        int byteCount = run.utf8(text, start, end);
        int count = bpe.encode(run.utf8, byteCount, run.scratch);
        run.addAll(run.scratch.symbols, 0, count);
        if (cacheable) wordCache.put(text, start, end, hash, run.scratch.symbols, count);
    }

    /** NFC, as the Qwen2 tokenizer's normalizer; skips the work for text that cannot change. */
    static String nfc(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x300) { // below U+0300 nothing composes or decomposes
                return Normalizer.isNormalized(s, Normalizer.Form.NFC) ? s : Normalizer.normalize(s, Normalizer.Form.NFC);
            }
        }
        return s;
    }

    /** The text these tokens stand for; CONTROL and USER_DEFINED tokens as their text, UNUSED as nothing. */
    public String decode(int[] ids) {
        StringBuilder out = new StringBuilder(ids.length * 4);
        LenientUtf8Decoder decoder = new LenientUtf8Decoder();
        for (int id : ids) {
            byte[] b = vocabulary.bytesView(id);
            decoder.feed(b, 0, b.length, out);
        }
        decoder.finish(out);
        return out.toString();
    }

    /** The raw bytes of one token (a copy); may be part of a UTF-8 character. */
    public byte[] tokenBytes(int id) {
        return vocabulary.bytes(id);
    }

    /** A new detokenizer for one generated sequence. */
    public StreamingDetokenizer newStreamingDetokenizer() {
        return new StreamingDetokenizer(vocabulary);
    }

    public boolean isEndOfGeneration(int id) {
        return vocabulary.isEndOfGeneration(id);
    }

    public int eosId() {
        return vocabulary.eosId();
    }

    public int bosId() {
        return vocabulary.bosId();
    }

    public int paddingId() {
        return vocabulary.paddingId();
    }

    /** Empties the word cache (for benchmarks measuring uncached encoding). */
    public void clearWordCache() {
        if (wordCache != null) wordCache.clear();
    }

    /** The output and working memory of one {@link #encode} call. */
    private static final class EncodingRun {
        int[] ids;
        int size;
        byte[] utf8 = new byte[64];
        final BytePairEncoder.Scratch scratch = new BytePairEncoder.Scratch();

        EncodingRun(int textLength) {
            ids = new int[Math.max(16, textLength / 3)];
        }

        void add(int id) {
            if (size == ids.length) ids = Arrays.copyOf(ids, size * 2);
            ids[size++] = id;
        }

        void addAll(int[] source, int offset, int count) {
            if (size + count > ids.length) ids = Arrays.copyOf(ids, Math.max(size + count, size * 2));
            System.arraycopy(source, offset, ids, size, count);
            size += count;
        }

        /** UTF-8 of {@code text[start, end)} into {@link #utf8}; returns the byte count. */
        int utf8(String text, int start, int end) {
            int max = 3 * (end - start); // a UTF-16 unit never takes more than 3 bytes
            if (utf8.length < max) utf8 = new byte[Math.max(max, utf8.length * 2)];
            byte[] b = utf8;
            int n = 0;
            for (int i = start; i < end; i++) {
                char c = text.charAt(i);
                if (c < 0x80) {
                    b[n++] = (byte) c;
                } else if (c < 0x800) {
                    b[n++] = (byte) (0xC0 | (c >>> 6));
                    b[n++] = (byte) (0x80 | (c & 0x3F));
                } else if (Character.isSurrogate(c)) {
                    int cp = LenientUtf8Decoder.REPLACEMENT;
                    if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
                        cp = Character.toCodePoint(c, text.charAt(++i));
                    }
                    if (cp >= 0x10000) {
                        b[n++] = (byte) (0xF0 | (cp >>> 18));
                        b[n++] = (byte) (0x80 | ((cp >>> 12) & 0x3F));
                        b[n++] = (byte) (0x80 | ((cp >>> 6) & 0x3F));
                        b[n++] = (byte) (0x80 | (cp & 0x3F));
                    } else {
                        n = putThreeBytes(b, n, cp);
                    }
                } else {
                    n = putThreeBytes(b, n, c);
                }
            }
            return n;
        }

        private static int putThreeBytes(byte[] b, int n, int c) {
            b[n++] = (byte) (0xE0 | (c >>> 12));
            b[n++] = (byte) (0x80 | ((c >>> 6) & 0x3F));
            b[n++] = (byte) (0x80 | (c & 0x3F));
            return n;
        }

        int[] toArray() {
            return Arrays.copyOf(ids, size);
        }
    }
}
