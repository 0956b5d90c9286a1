package io.virtiofs.examples.memfs;

import io.virtiofs.api.FileName;
import io.virtiofs.api.StatFs;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The space of one memfs: data blocks and inodes, reserved before use and given back when a file
 * shrinks or a node is freed; and the {@link ChunkStore} that holds the memory of written blocks
 * (a block reserved here has memory only once written). Lock-free: each counter is one {@link AtomicLong}, reserved with a
 * compare-and-set loop so that it never passes its limit.
 */
final class Capacity {

    private final int blockSize;
    private final long totalBlocks;
    private final long totalInodes;
    private final AtomicLong usedBlocks = new AtomicLong();
    private final AtomicLong usedInodes = new AtomicLong();
    private final ChunkStore chunkStore;

    Capacity(MemFsConfig config) {
        this(config, new ChunkStore(config.blockSize()));
    }

    /** A capacity whose blocks live in {@code chunkStore} (tests give one with a slab limit). */
    Capacity(MemFsConfig config, ChunkStore chunkStore) {
        if (chunkStore.chunkSize() != config.blockSize()) {
            throw new IllegalArgumentException("chunks of " + chunkStore.chunkSize() + " bytes for blocks of " + config.blockSize());
        }
        this.chunkStore = chunkStore;
        this.blockSize = config.blockSize();
        this.totalBlocks = config.capacityBytes() / config.blockSize();
        this.totalInodes = config.maxInodes();
    }

    /** The memory of the blocks: shared by the files of this memfs. */
    ChunkStore chunkStore() {
        return chunkStore;
    }

    /** The allocation unit, in bytes. */
    int blockSize() {
        return blockSize;
    }

    /** Takes {@code count} blocks if that many are free; false (and nothing taken) otherwise. */
    boolean tryReserveBlocks(long count) {
        return tryReserve(usedBlocks, totalBlocks, count);
    }

    /** Gives back blocks taken with {@link #tryReserveBlocks}. */
    void releaseBlocks(long count) {
        release(usedBlocks, count, "blocks");
    }

    /** Takes one inode if one is free. */
    boolean tryReserveInode() {
        return tryReserve(usedInodes, totalInodes, 1);
    }

    /** Gives back an inode taken with {@link #tryReserveInode}. */
    void releaseInode() {
        release(usedInodes, 1, "inodes");
    }

    /** The blocks in use now. */
    long usedBlocks() {
        return usedBlocks.get();
    }

    /** {@code statfs(2)} as {@code struct fuse_kstatfs} carries it: counts in blocks of {@link #blockSize}. */
    StatFs statfs() {
        long freeBlocks = totalBlocks - usedBlocks.get();
        long freeInodes = totalInodes - usedInodes.get();
        return new StatFs(totalBlocks, freeBlocks, freeBlocks, totalInodes, freeInodes, blockSize,
                FileName.MAX_LENGTH, blockSize);
    }

    private static boolean tryReserve(AtomicLong used, long limit, long count) {
        if (count < 0) {
            throw new IllegalArgumentException("cannot reserve " + count);
        }
        while (true) {
            long current = used.get();
            if (count > limit - current) {
                return false;
            }
            if (used.compareAndSet(current, current + count)) {
                return true;
            }
        }
    }

    private static void release(AtomicLong used, long count, String what) {
        long after = used.addAndGet(-count);
        if (count < 0 || after < 0) {
            throw new IllegalStateException("released " + count + " " + what + ", leaving " + after);
        }
    }
}
