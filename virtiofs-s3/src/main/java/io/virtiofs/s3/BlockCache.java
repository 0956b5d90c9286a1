package io.virtiofs.s3;

import io.virtiofs.s3.store.ObjectStore;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The blocks of objects read recently and the ones being read ahead: at most a fixed number of
 * blocks, least recently used first out. Blocks are named by key, etag and index, so a block of
 * an object that has since changed is never served for the new version. A block whose GET failed
 * leaves the cache, and the next read asks again.
 */
final class BlockCache {

    private record BlockId(String key, String etag, long index) {
    }

    private final ObjectStore store;
    private final int blockSize;
    private final int maxBlocks;
    private final LinkedHashMap<BlockId, CompletableFuture<byte[]>> blocks = new LinkedHashMap<>(64, 0.75f, true);

    BlockCache(ObjectStore store, int blockSize, long cacheBytes) {
        this.store = store;
        this.blockSize = blockSize;
        this.maxBlocks = (int) Math.max(1, cacheBytes / blockSize);
    }

    int blockSize() {
        return blockSize;
    }

    /** Block {@code index} of the object ({@code size} bytes long), from the cache or fetched now. */
    CompletableFuture<byte[]> block(String key, String etag, long size, long index) {
        BlockId id = new BlockId(key, etag, index);
        CompletableFuture<byte[]> block;
        boolean fetch = false;
        synchronized (this) {
            block = blocks.get(id);
            if (block == null) {
                block = new CompletableFuture<>();
                blocks.put(id, block);
                fetch = true;
                evict();
            }
        }
        if (fetch) {
            long offset = index * blockSize;
            int length = (int) Math.min(blockSize, Math.max(0, size - offset));
            CompletableFuture<byte[]> target = block;
            store.get(key, offset, length, etag).whenComplete((bytes, failure) -> {
                if (failure != null) {
                    synchronized (this) {
                        blocks.remove(id, target);
                    }
                    target.completeExceptionally(failure);
                } else {
                    target.complete(bytes);
                }
            });
        }
        return block;
    }

    /** The most blocks one streamed GET of the read-ahead covers. */
    private static final int MAX_RUN = 16;

    /**
     * Starts fetching blocks {@code from}..{@code to} (inclusive) that are not cached yet: each
     * run of missing blocks in one streamed GET, whose blocks complete as their bytes arrive.
     */
    void prefetch(String key, String etag, long size, long from, long to) {
        long last = Math.min(to, (size - 1) / blockSize);
        long i = from;
        while (i <= last) {
            List<CompletableFuture<byte[]>> run = new ArrayList<>();
            long start = -1;
            synchronized (this) {
                for (; i <= last && run.size() < MAX_RUN; i++) {
                    BlockId id = new BlockId(key, etag, i);
                    if (blocks.containsKey(id)) {
                        if (!run.isEmpty()) {
                            break;
                        }
                        continue;
                    }
                    if (run.isEmpty()) {
                        start = i;
                    }
                    CompletableFuture<byte[]> block = new CompletableFuture<>();
                    blocks.put(id, block);
                    run.add(block);
                    forgetOnFailure(id, block);
                }
                evict();
            }
            if (!run.isEmpty()) {
                store.getBlocks(key, start * blockSize, blockSize, run, etag);
            }
        }
    }

    private void forgetOnFailure(BlockId id, CompletableFuture<byte[]> block) {
        block.whenComplete((bytes, failure) -> {
            if (failure != null) {
                synchronized (this) {
                    blocks.remove(id, block);
                }
            }
        });
    }

    /** Drops every block of {@code key} (it was written or deleted here). */
    synchronized void invalidate(String key) {
        blocks.keySet().removeIf(id -> id.key().equals(key));
    }

    synchronized int cachedBlocks() {
        return blocks.size();
    }

    private void evict() {
        Iterator<Map.Entry<BlockId, CompletableFuture<byte[]>>> it = blocks.entrySet().iterator();
        while (blocks.size() > maxBlocks && it.hasNext()) {
            it.next();
            it.remove();
        }
    }
}
