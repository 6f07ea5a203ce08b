package io.qwen4j.kv;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The block table of prefix caching: content keys, holders, the LRU list of cached blocks, eviction. */
class PrefixBlocksTest {
    static final int BLOCK = 4;

    static PagedKvCache cache(int blocks) {
        return new PagedKvCache(1, 1, 8, BLOCK, blocks, PagedKvCache.Storage.F32);
    }

    static BlockKeyChain text(int... tokens) {
        BlockKeyChain chain = new BlockKeyChain(BLOCK);
        for (int i = 0; i < tokens.length; i++) chain.text(tokens[i], i);
        return chain;
    }

    static int[] range(int from, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = from + i;
        return out;
    }

    /** A sequence of {@code tokens.length} tokens with its full blocks sealed. */
    static KvSequence filled(PagedKvCache cache, int... tokens) {
        KvSequence s = cache.newSequence();
        cache.extend(s, tokens.length);
        assertThat(cache.seal(s, text(tokens).keys())).isEqualTo(tokens.length / BLOCK);
        return s;
    }

    static int[] blocks(KvSequence s) {
        return Arrays.copyOf(s.blocks, s.blockCount);
    }

    /** How many leading blocks of {@code tokens} a new sequence finds cached (it lets go of them at once). */
    static int cachedPrefix(PagedKvCache cache, int... tokens) {
        KvSequence probe = cache.newSequence();
        int n = cache.reusePrefix(probe, text(tokens).keys());
        cache.release(probe);
        return n;
    }

    @Test
    void aBlockKeyChainsEveryRowBeforeIt() {
        List<BlockKey> a = text(range(0, 14)).keys();
        assertThat(a).hasSize(3).doesNotHaveDuplicates(); // the partial fourth block has no key
        assertThat(text(range(0, 14)).keys()).isEqualTo(a);

        int[] laterChange = range(0, 14);
        laterChange[5] = 99; // block 1
        assertThat(text(laterChange).keys()).first().isEqualTo(a.getFirst());
        assertThat(text(laterChange).keys().subList(1, 3)).doesNotContainAnyElementsOf(a);
        int[] firstChange = range(0, 14);
        firstChange[0] = 99; // block 0: every later key changes with it, though their own tokens did not
        assertThat(text(firstChange).keys()).doesNotContainAnyElementsOf(a);

        // Same tokens at other positions (after an image, positions run behind the indices) are other contents.
        BlockKeyChain shifted = new BlockKeyChain(BLOCK);
        for (int i = 0; i < 4; i++) shifted.text(i, i + 1);
        assertThat(shifted.keys().getFirst()).isNotEqualTo(a.getFirst());
    }

    @Test
    void imageRowsAreKeyedByTheImagesContent() {
        byte[] red = new byte[32], blue = new byte[32];
        blue[31] = 1;
        BlockKeyChain withRed = new BlockKeyChain(BLOCK), withBlue = new BlockKeyChain(BLOCK), padsAsText = new BlockKeyChain(BLOCK);
        for (int r = 0; r < 4; r++) {
            withRed.image(7, 0, r / 2, r % 2, red, r);
            withBlue.image(7, 0, r / 2, r % 2, blue, r);
        }
        for (int r = 0; r < 4; r++) padsAsText.text(7, r);
        assertThat(withRed.keys().getFirst()).isNotEqualTo(withBlue.keys().getFirst()).isNotEqualTo(padsAsText.keys().getFirst());
        BlockKeyChain redAgain = new BlockKeyChain(BLOCK);
        for (int r = 0; r < 4; r++) redAgain.image(7, 0, r / 2, r % 2, red.clone(), r);
        assertThat(redAgain.keys()).isEqualTo(withRed.keys());
        assertThatThrownBy(() -> redAgain.image(7, 0, 0, 0, new byte[16], 0)).hasMessageContaining("16 bytes");
    }

    @Test
    void sealedBlocksAreSharedAndCountTheirHolders() {
        try (PagedKvCache cache = cache(8)) {
            KvSequence a = filled(cache, range(0, 10)); // 2 full blocks sealed, a third partly filled
            assertThat(cache.freeBlocks()).isEqualTo(5);
            KvSequence b = cache.newSequence();
            assertThat(cache.reusePrefix(b, text(range(0, 13)).keys())).isEqualTo(2);
            assertThat(b.length()).isEqualTo(8);
            assertThat(blocks(b)).containsExactly(Arrays.copyOf(blocks(a), 2));
            assertThat(cache.freeBlocks()).isEqualTo(5); // shared, not copied
            assertThat(cache.extend(b, 5)).isEqualTo(8); // b appends into blocks of its own
            assertThat(blocks(b)[2]).isNotEqualTo(blocks(a)[2]);
            assertThat(cache.freeBlocks()).isEqualTo(3);

            cache.release(a); // its own third block is empty again; the shared two are still b's
            assertThat(cache.freeBlocks()).isEqualTo(4);
            assertThat(cache.cachedBlocks()).isZero();
            cache.release(b); // nobody holds the sealed two now: cached; b's unsealed blocks are empty
            assertThat(cache.freeBlocks()).isEqualTo(8);
            assertThat(cache.cachedBlocks()).isEqualTo(2);
            assertThat(cachedPrefix(cache, range(0, 13))).isEqualTo(2);
            assertThat(cachedPrefix(cache, 0, 1, 2, 3, 9, 9, 9, 9)).isEqualTo(1);
            assertThat(cachedPrefix(cache, range(1, 13))).isZero();
            assertThat(cache.cachedBlocks()).isEqualTo(2);
        }
    }

    @Test
    void allocationTakesEmptyBlocksFirstThenEvictsTheLeastRecentlyUsed() {
        try (PagedKvCache cache = cache(6)) {
            cache.release(filled(cache, range(0, 8)));    // A: blocks A0 A1
            cache.release(filled(cache, range(100, 8)));  // B: blocks B0 B1, released after A
            assertThat(cache.cachedBlocks()).isEqualTo(4);
            // A is used again: it becomes the most recently used.
            KvSequence again = cache.newSequence();
            assertThat(cache.reusePrefix(again, text(range(0, 8)).keys())).isEqualTo(2);
            cache.release(again);

            KvSequence fresh = cache.newSequence();
            cache.extend(fresh, 8); // the two empty blocks: nothing evicted
            assertThat(cache.cachedBlocks()).isEqualTo(4);
            cache.extend(fresh, 4); // evicts B's last block (a sequence's last blocks go first), then ...
            assertThat(cache.cachedBlocks()).isEqualTo(3);
            cache.extend(fresh, 4); // ... B's first
            assertThat(cache.cachedBlocks()).isEqualTo(2);
            assertThat(cachedPrefix(cache, range(100, 8))).isZero();
            assertThat(cachedPrefix(cache, range(0, 8))).isEqualTo(2);
            cache.release(fresh);
            assertThat(cache.freeBlocks()).isEqualTo(6);
        }
    }

    @Test
    void heldBlocksAreNeverEvicted() {
        try (PagedKvCache cache = cache(4)) {
            KvSequence holder = filled(cache, range(0, 8));
            cache.release(filled(cache, range(50, 8)));
            assertThat(cache.freeBlocks()).isEqualTo(2);
            KvSequence other = cache.newSequence();
            cache.extend(other, 8); // takes both cached blocks
            assertThatThrownBy(() -> cache.extend(other, 1)).hasMessageContaining("KV cache full: need 1 blocks, 0 free");
            assertThat(other.length()).isEqualTo(8); // a refused extension changes nothing
            cache.release(other);
            KvSequence probe = cache.newSequence();
            assertThat(cache.reusePrefix(probe, text(range(0, 8)).keys())).isEqualTo(2); // the held blocks kept their content
            assertThat(blocks(probe)).containsExactly(blocks(holder));
            cache.release(probe);
            cache.release(holder);
            assertThat(cache.cachedBlocks()).isEqualTo(2);
            assertThat(cache.freeBlocks()).isEqualTo(4);
        }
    }

    @Test
    void aKeySealedTwiceKeepsTheFirstBlockAndSealedBlocksCannotBeTruncated() {
        try (PagedKvCache cache = cache(8)) {
            KvSequence a = filled(cache, range(0, 8)), b = cache.newSequence(); // computed twice, side by side
            cache.extend(b, 8);
            assertThat(cache.seal(b, text(range(0, 8)).keys())).isZero();
            cache.release(b); // b's copies were never sealed: they are empty again
            assertThat(cache.cachedBlocks()).isZero();
            assertThat(cache.freeBlocks()).isEqualTo(6);
            assertThatThrownBy(() -> cache.truncate(a, 6)).hasMessageContaining("sealed");
            cache.extend(a, 3);
            cache.truncate(a, 8); // unsealed tokens can go
            assertThat(a.length()).isEqualTo(8);
            cache.release(a);
            assertThat(cache.cachedBlocks()).isEqualTo(2);
            assertThatThrownBy(() -> cache.extend(a, 1)).hasMessageContaining("released");
        }
    }
}
