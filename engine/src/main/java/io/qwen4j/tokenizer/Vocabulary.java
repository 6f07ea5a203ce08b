package io.qwen4j.tokenizer;

import io.qwen4j.gguf.GgufMetadata;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The token list of a byte-level BPE model as GGUF stores it in {@code tokenizer.ggml.*}: each token's
 * text, type and bytes, the special ids, and the end-of-generation set. Immutable.
 */
public final class Vocabulary {

    /**
     * Texts of the tokens that end generation besides eos: llama.cpp derives this set from token text since
     * Qwen GGUFs carry no {@code eot_token_id}. (llama.cpp also adds the regular token {@code </s>}, which it
     * forces to CONTROL; we follow HF and keep {@code </s>} a plain token, so it is not in the set.)
     */
    static final Set<String> END_OF_GENERATION_TEXTS =
            Set.of("<|endoftext|>", "<|im_end|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>");

    private final String[] texts;
    private final TokenType[] types;
    private final byte[][] bytes;
    private final Map<String, Integer> idsByText;
    private final int[] byteTokenIds;
    private final boolean[] endOfGeneration;
    private final int bosId;
    private final int eosId;
    private final int paddingId;
    private final List<Integer> specialIds;

    Vocabulary(List<String> tokenTexts, int[] typeCodes, int bosId, int eosId, int paddingId, int eotId) {
        int n = tokenTexts.size();
        if (n == 0) throw new IllegalArgumentException("vocabulary is empty");
        if (typeCodes != null && typeCodes.length != n) {
            throw new IllegalArgumentException("tokenizer.ggml.token_type has " + typeCodes.length + " entries for " + n + " tokens");
        }
        texts = tokenTexts.toArray(String[]::new);
        types = new TokenType[n];
        bytes = new byte[n][];
        idsByText = HashMap.newHashMap(n);
        List<Integer> specials = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            TokenType type = typeCodes == null ? TokenType.NORMAL : TokenType.ofCode(typeCodes[id]);
            types[id] = type;
            bytes[id] = bytesOf(texts[id], type);
            idsByText.putIfAbsent(texts[id], id);
            if ((type == TokenType.CONTROL || type == TokenType.USER_DEFINED) && !texts[id].isEmpty()) specials.add(id);
        }
        specialIds = Collections.unmodifiableList(specials);

        byteTokenIds = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = idsByText.get(String.valueOf(ByteLevelAlphabet.charOf(b)));
            if (id == null) throw new IllegalArgumentException("vocabulary has no token for byte 0x" + Integer.toHexString(b));
            byteTokenIds[b] = id;
        }

        this.bosId = checkedId(bosId, n, "bos");
        this.eosId = checkedId(eosId, n, "eos");
        this.paddingId = checkedId(paddingId, n, "padding");
        endOfGeneration = new boolean[n];
        if (this.eosId >= 0) endOfGeneration[this.eosId] = true;
        if (checkedId(eotId, n, "eot") >= 0) endOfGeneration[eotId] = true;
        for (String text : END_OF_GENERATION_TEXTS) {
            Integer id = idsByText.get(text);
            if (id != null) endOfGeneration[id] = true;
        }
    }

    /** Reads {@code tokenizer.ggml.tokens}, {@code token_type} and the special ids. */
    public static Vocabulary fromMetadata(GgufMetadata metadata) {
        List<String> tokens = metadata.getStringList("tokenizer.ggml.tokens");
        if (tokens == null) throw new IllegalArgumentException("GGUF has no tokenizer.ggml.tokens string array");
        int[] types = metadata.getIntArray("tokenizer.ggml.token_type");
        return new Vocabulary(tokens, types,
                metadata.getInt("tokenizer.ggml.bos_token_id", -1),
                metadata.getInt("tokenizer.ggml.eos_token_id", -1),
                metadata.getInt("tokenizer.ggml.padding_token_id", -1),
                metadata.getInt("tokenizer.ggml.eot_token_id", -1));
    }

    public int size() {
        return texts.length;
    }

    /** The token as stored in the vocabulary (byte-level alphabet for NORMAL tokens). */
    public String text(int id) {
        return texts[checkId(id)];
    }

    public TokenType type(int id) {
        return types[checkId(id)];
    }

    /** The id of the token with exactly this stored text. */
    public OptionalInt idOf(String text) {
        Integer id = idsByText.get(text);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The bytes the token decodes to (a copy). */
    public byte[] bytes(int id) {
        return bytes[checkId(id)].clone();
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    public int paddingId() {
        return paddingId;
    }

    /** Whether generating this token ends the turn: eos, eot, or one of {@link #END_OF_GENERATION_TEXTS}. */
    public boolean isEndOfGeneration(int id) {
        return id >= 0 && id < endOfGeneration.length && endOfGeneration[id];
    }

    /** Ids of the CONTROL and USER_DEFINED tokens, in id order. */
    public List<Integer> specialIds() {
        return specialIds;
    }

    // Unchecked accessors for the encoder and decoder hot paths.

    /** The token's bytes, shared: callers must not modify them. */
    byte[] bytesView(int id) {
        return bytes[checkId(id)];
    }

    int byteTokenId(int unsignedByte) {
        return byteTokenIds[unsignedByte];
    }

    Integer idOrNull(String text) {
        return idsByText.get(text);
    }

    private int checkId(int id) {
        if (id < 0 || id >= texts.length) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (size " + texts.length + ")");
        return id;
    }

    private static int checkedId(int id, int n, String what) {
        if (id >= n) throw new IllegalArgumentException(what + " token id " + id + " is outside the vocabulary (size " + n + ")");
        return Math.max(id, -1);
    }

    private static byte[] bytesOf(String text, TokenType type) {
        return switch (type) {
            // Added tokens are stored as plain text, regular ones in the byte-level alphabet.
            case CONTROL, USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case UNUSED, UNDEFINED, UNKNOWN -> new byte[0];
            case NORMAL, BYTE -> {
                byte[] b = ByteLevelAlphabet.decode(text);
                yield b != null ? b : text.getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    @Override
    public String toString() {
        return "Vocabulary[" + texts.length + " tokens, bos=" + bosId + ", eos=" + eosId + ", pad=" + paddingId
                + ", eog=" + Arrays.toString(eogIds()) + "]";
    }

    private int[] eogIds() {
        int count = 0;
        for (boolean b : endOfGeneration) if (b) count++;
        int[] ids = new int[count];
        for (int i = 0, k = 0; i < endOfGeneration.length; i++) if (endOfGeneration[i]) ids[k++] = i;
        return ids;
    }
}
