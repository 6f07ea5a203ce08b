package io.qwen4j.kv;

import java.util.Arrays;

/**
 * One sequence's view of a {@link PagedKvCache}: its block table (cache block of every {@code blockSize}
 * tokens, in order) and the number of tokens stored. Token {@code i} of the sequence lives in slot
 * {@code i % blockSize} of block {@code blocks[i / blockSize]}. The KV index {@code i} is independent of
 * the token's RoPE position. Its first blocks may be shared with other sequences (prefix caching).
 */
public final class KvSequence {
    int[] blocks = new int[4];
    int blockCount;
    int length;
    /** Leading blocks whose content is final: reused, or sealed for reuse (their tokens cannot be truncated). */
    int sealedBlocks;
    boolean released;

    KvSequence() {
    }

    /** Tokens stored so far = the KV index the next token gets. */
    public int length() {
        return length;
    }

    int block(int index, int blockSize) {
        return blocks[index / blockSize];
    }

    void addBlock(int block) {
        if (blockCount == blocks.length) blocks = Arrays.copyOf(blocks, blocks.length * 2);
        blocks[blockCount++] = block;
    }
}
