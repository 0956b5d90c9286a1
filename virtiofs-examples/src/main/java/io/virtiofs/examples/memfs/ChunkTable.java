package io.virtiofs.examples.memfs;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The chunks of one file, by chunk index: a sparse array in a radix tree, like the page cache's
 * {@code xarray} in Linux ({@code lib/xarray.c}) though much simpler. Each node has 64 slots; a
 * lookup takes one array access per level, and a tree of height {@code h} holds indexes below
 * {@code 64^h}, so a 512 MiB file of 4 KiB chunks is three levels deep. No boxing and no
 * allocation on lookups (a {@code TreeMap<Long, byte[]>} allocated a {@code Long} and chased
 * about 17 nodes per chunk of such a file).
 *
 * <p>Ordered questions (the next present index, the next absent one, counting or removing a
 * range) walk only the nodes that hold entries. A node whose last entry goes is unlinked, so
 * memory follows the entries.
 *
 * <p>Not thread-safe: {@link FileData} guards it with its lock.
 */
final class ChunkTable {

    private static final int BITS = 6;
    private static final int FANOUT = 1 << BITS;
    private static final int MASK = FANOUT - 1;
    /** Enough levels for every non-negative long index (11 * 6 = 66 bits). */
    private static final int MAX_HEIGHT = 11;

    /**
     * A node is an array of 65: 64 slots (child nodes, or chunks at the bottom level), then how
     * many of them are used (an {@link Integer} of 0 to 64, always a cached one). One object per
     * node, not a node object and its slot array, which a lookup in a large file found out of the
     * CPU's caches one after the other: a 4 KiB READ at a random offset of a 512 MiB file, through
     * the server, cost 1,495-1,779 ns of CPU with node objects and 1,241-1,570 ns as arrays (six
     * alternating runs each; RandomReadBenchmark's requests, per-thread CPU time).
     */
    private static final int USED = FANOUT;

    /** Null exactly when the table is empty. */
    private @Nullable Object @Nullable [] root;
    /** Levels below and including the root; 0 when empty. */
    private int height;
    private long size;

    private static @Nullable Object[] newNode() {
        @Nullable Object[] node = new Object[FANOUT + 1];
        node[USED] = 0;
        return node;
    }

    private static int used(@Nullable Object[] node) {
        return (Integer) node[USED];
    }

    private static void addUsed(@Nullable Object[] node, int delta) {
        node[USED] = used(node) + delta;
    }

    /** The number of chunks present. */
    long size() {
        return size;
    }

    /** The chunk at {@code index}, or null. */
    @Nullable Chunk get(long index) {
        @Nullable Object[] node = root;
        if (node == null || !covers(height, index)) {
            return null;
        }
        for (int level = height - 1; level > 0; level--) {
            node = (@Nullable Object[]) node[slot(index, level)];
            if (node == null) {
                return null;
            }
        }
        return (Chunk) node[(int) (index & MASK)];
    }

    /** Sets the chunk at {@code index}; returns the one it replaced, or null. */
    @Nullable Chunk put(long index, Chunk chunk) {
        checkIndex(index);
        if (root == null) {
            root = newNode();
            height = heightFor(index);
        }
        while (!covers(height, index)) { // the root holds entries: it becomes slot 0 of a taller one
            @Nullable Object[] taller = newNode();
            taller[0] = root;
            taller[USED] = 1;
            root = taller;
            height++;
        }
        @Nullable Object[] node = root;
        for (int level = height - 1; level > 0; level--) {
            int at = slot(index, level);
            @Nullable Object[] child = (@Nullable Object[]) node[at];
            if (child == null) {
                child = newNode();
                node[at] = child;
                addUsed(node, 1);
            }
            node = child;
        }
        int at = (int) (index & MASK);
        Chunk previous = (Chunk) node[at];
        node[at] = chunk;
        if (previous == null) {
            addUsed(node, 1);
            size++;
        }
        return previous;
    }

    /** Removes the chunk at {@code index}; returns it, or null if absent. */
    @Nullable Chunk remove(long index) {
        if (index < 0 || root == null || !covers(height, index)) {
            return null;
        }
        Chunk removed = removeBelow(root, height - 1, index);
        if (removed != null) {
            size--;
        }
        if (used(root) == 0) {
            clear();
        }
        return removed;
    }

    private static @Nullable Chunk removeBelow(@Nullable Object[] node, int level, long index) {
        int at = slot(index, level);
        if (level == 0) {
            Chunk chunk = (Chunk) node[at];
            if (chunk != null) {
                node[at] = null;
                addUsed(node, -1);
            }
            return chunk;
        }
        @Nullable Object[] child = (@Nullable Object[]) node[at];
        if (child == null) {
            return null;
        }
        Chunk chunk = removeBelow(child, level - 1, index);
        if (used(child) == 0) {
            node[at] = null;
            addUsed(node, -1);
        }
        return chunk;
    }

    /** Removes every chunk; the table is empty. */
    void clear() {
        root = null;
        height = 0;
        size = 0;
    }

    /** The smallest present index at or above {@code from}, or -1 when there is none. */
    long ceilingIndex(long from) {
        if (root == null || from < 0 || !covers(height, from)) {
            return from < 0 ? ceilingIndex(0) : -1;
        }
        return ceilingBelow(root, height - 1, 0, from);
    }

    private static long ceilingBelow(@Nullable Object[] node, int level, long base, long from) {
        int first = base >= from ? 0 : slot(from, level);
        for (int at = first; at < FANOUT; at++) {
            Object slot = node[at];
            if (slot == null) {
                continue;
            }
            long start = base | ((long) at << (level * BITS));
            if (level == 0) {
                return start;
            }
            long found = ceilingBelow((@Nullable Object[]) slot, level - 1, start, Math.max(from, start));
            if (found >= 0) {
                return found;
            }
        }
        return -1;
    }

    /** The smallest index at or above {@code from} with no chunk. */
    long nextAbsentIndex(long from) {
        checkIndex(from);
        long index = from;
        while (true) {
            @Nullable Object[] leaf = leafOf(index);
            if (leaf == null) {
                return index;
            }
            for (int at = (int) (index & MASK); at < FANOUT; at++, index++) {
                if (leaf[at] == null) {
                    return index;
                }
            }
        }
    }

    /** The bottom node holding {@code index}, or null. */
    private @Nullable Object @Nullable [] leafOf(long index) {
        @Nullable Object[] node = root;
        if (node == null || !covers(height, index)) {
            return null;
        }
        for (int level = height - 1; level > 0 && node != null; level--) {
            node = (@Nullable Object[]) node[slot(index, level)];
        }
        return node;
    }

    /** How many chunks are present in {@code [from, to)}. */
    long count(long from, long to) {
        long count = 0;
        for (long index = ceilingIndex(from); index >= 0 && index < to; index = ceilingIndex(index + 1)) {
            count++;
        }
        return count;
    }

    /**
     * Removes the chunks in {@code [from, to)}, handing each to {@code removed} after it left the
     * table, the highest index first: a store's free stack then hands them out again lowest index
     * first, so a file rewritten after a truncate or delete gets back chunks side by side in the
     * order it writes them (one copy per run, {@link Chunk#isFollowedBy}). In index order, every
     * other rewrite of a large file got them backwards, one copy per chunk: rewriting a 512 MiB
     * file with 1 MiB writes through /dev/fuse ran at 3,400-4,300 MiB/s on those rounds against
     * 5,500-6,300 on the others (BENCHMARKS.md, Mount).
     *
     * @return how many were removed
     */
    long removeRange(long from, long to, Consumer<? super Chunk> removed) {
        if (root == null || from >= to) {
            return 0;
        }
        long start = Math.max(0, from);
        long count = removeRangeBelow(root, height - 1, 0, start, to, removed);
        size -= count;
        if (used(root) == 0) {
            clear();
        }
        return count;
    }

    /** Removes the entries of [from, to) under {@code node}, whose first index is {@code base}. */
    private static long removeRangeBelow(@Nullable Object[] node, int level, long base, long from, long to,
            Consumer<? super Chunk> removed) {
        long count = 0;
        int shift = level * BITS;
        for (int at = FANOUT - 1; at >= 0 && used(node) > 0; at--) {
            Object slot = node[at];
            if (slot == null) {
                continue;
            }
            long start = base + ((long) at << shift);
            long last = start + ((1L << shift) - 1); // inclusive: the top slot ends at Long.MAX_VALUE
            if (last < from || start >= to) {
                continue;
            }
            if (level == 0) {
                node[at] = null;
                addUsed(node, -1);
                count++;
                removed.accept((Chunk) slot);
                continue;
            }
            @Nullable Object[] child = (@Nullable Object[]) slot;
            count += removeRangeBelow(child, level - 1, start, from, to, removed);
            if (used(child) == 0) {
                node[at] = null;
                addUsed(node, -1);
            }
        }
        return count;
    }

    private static int slot(long index, int level) {
        return (int) ((index >>> (level * BITS)) & MASK);
    }

    /** Whether a tree of {@code height} levels holds {@code index}. */
    private static boolean covers(int height, long index) {
        int bits = height * BITS;
        return bits >= 63 || (index >>> bits) == 0;
    }

    private static void checkIndex(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("chunk index " + index + " is negative");
        }
    }

    /** The fewest levels that hold {@code index}. */
    static int heightFor(long index) {
        int height = 1;
        while (!covers(height, index) && height < MAX_HEIGHT) {
            height++;
        }
        return height;
    }

    /** The current height; for tests. */
    int height() {
        return height;
    }
}
