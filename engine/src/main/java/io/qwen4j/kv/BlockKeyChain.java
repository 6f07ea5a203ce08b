package io.qwen4j.kv;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The {@link BlockKey}s of one sequence's full blocks, computed row by row as rows are appended. A row's keys and
 * values depend on its input (a token's embedding, or an image row's embedding and deepstack vectors), its
 * (t, h, w) RoPE position and every row before it; so block i's key is SHA-256 over block i − 1's key (zeros for
 * the first block) and, per row: the token id, the three positions, and for an image row the image's content
 * digest and the row's index within the image. Every field has a fixed width, so no two different contents
 * feed the hash the same bytes.
 */
public final class BlockKeyChain {
    private static final byte TEXT = 0, IMAGE = 1;
    private static final int DIGEST_BYTES = 32;

    private final int blockSize;
    private final MessageDigest sha;
    private final ByteBuffer row = ByteBuffer.allocate(1 + 4 * 4 + DIGEST_BYTES + 4).order(ByteOrder.LITTLE_ENDIAN);
    private final List<BlockKey> keys = new ArrayList<>();
    private int rowsInBlock;

    public BlockKeyChain(int blockSize) {
        if (blockSize < 1) throw new IllegalArgumentException("block size " + blockSize);
        this.blockSize = blockSize;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        startBlock(null);
    }

    /** A text token at position (p, p, p). */
    public void text(int token, int position) {
        row.clear();
        row.put(TEXT).putInt(token).putInt(position).putInt(position).putInt(position);
        add();
    }

    /** Row {@code imageRow} of an image whose content digest (32 bytes) is {@code image}, at position (t, h, w). */
    public void image(int token, int t, int h, int w, byte[] image, int imageRow) {
        if (image.length != DIGEST_BYTES) throw new IllegalArgumentException("image digest of " + image.length + " bytes");
        row.clear();
        row.put(IMAGE).putInt(token).putInt(t).putInt(h).putInt(w).put(image).putInt(imageRow);
        add();
    }

    private void add() {
        sha.update(row.array(), 0, row.position());
        if (++rowsInBlock < blockSize) return;
        byte[] d = sha.digest();
        BlockKey key = new BlockKey(ByteBuffer.wrap(d, 0, 8).getLong(), ByteBuffer.wrap(d, 8, 8).getLong());
        keys.add(key);
        startBlock(key);
    }

    private void startBlock(BlockKey parent) {
        sha.reset();
        ByteBuffer p = ByteBuffer.allocate(16);
        if (parent != null) p.putLong(parent.high()).putLong(parent.low());
        sha.update(p.array());
        rowsInBlock = 0;
    }

    /** The keys of the full blocks so far, in order (a live view). */
    public List<BlockKey> keys() {
        return Collections.unmodifiableList(keys);
    }
}
