package io.virtiofs.examples.memfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.testkit.support.Seeds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChunkStoreTest {

    private static final int CHUNK = 512;
    /** Four chunks per slab, so that slabs fill, empty and go often. */
    private static final int SLAB = 4 * CHUNK;

    private static byte[] bytesOf(Chunk chunk) {
        return bytesOf(chunk, false);
    }

    /** The chunk's bytes, read through a heap or a direct buffer (the two copy paths). */
    private static byte[] bytesOf(Chunk chunk, boolean direct) {
        ByteBuf buf = direct ? Unpooled.directBuffer(chunk.size()) : Unpooled.buffer(chunk.size());
        try {
            chunk.readInto(0, chunk.size(), buf);
            byte[] bytes = new byte[chunk.size()];
            buf.readBytes(bytes);
            return bytes;
        } finally {
            buf.release();
        }
    }

    private static void fill(Chunk chunk, byte value) {
        fill(chunk, value, false);
    }

    /** Fills the chunk with {@code value} from a heap or a direct buffer (the two copy paths). */
    private static void fill(Chunk chunk, byte value, boolean direct) {
        byte[] bytes = new byte[chunk.size()];
        Arrays.fill(bytes, value);
        ByteBuf src = direct ? Unpooled.directBuffer(bytes.length) : Unpooled.buffer(bytes.length);
        try {
            src.writeBytes(bytes);
            chunk.writeFrom(src, 0, bytes.length);
            assertEquals(0, src.readableBytes(), "every byte was read");
        } finally {
            src.release();
        }
    }

    private static Chunk allocate(ChunkStore store, int from, int to) {
        Chunk chunk = store.allocate(from, to);
        assertNotNull(chunk, "the store has memory");
        return chunk;
    }

    @Test
    void freshChunksAreZeroAndDistinct() {
        ChunkStore store = new ChunkStore(CHUNK, SLAB, Long.MAX_VALUE);
        Chunk first = allocate(store, 0, CHUNK);
        Chunk second = allocate(store, 0, CHUNK);
        assertArrayEquals(new byte[CHUNK], bytesOf(first));
        fill(first, (byte) 7);
        assertArrayEquals(new byte[CHUNK], bytesOf(second), "a neighbour in the slab is untouched");
        byte[] sevens = new byte[CHUNK];
        Arrays.fill(sevens, (byte) 7);
        assertArrayEquals(sevens, bytesOf(first));
        assertEquals(2, store.chunksInUse());
        assertEquals(1, store.slabCount());
        assertEquals(SLAB, store.reservedBytes());
    }

    @Test
    void aFreedChunkIsReusedWithOnlyTheRangeAboutToBeWrittenLeftUncleared() {
        ChunkStore store = new ChunkStore(CHUNK, SLAB, Long.MAX_VALUE);
        Chunk kept = allocate(store, 0, CHUNK); // keeps the slab from emptying
        Chunk chunk = allocate(store, 0, CHUNK);
        fill(chunk, (byte) 9);
        store.free(chunk);
        assertEquals(1, store.chunksInUse());
        Chunk again = allocate(store, 100, 200);
        assertSame(chunk, again, "the free chunk comes back before new memory");
        byte[] bytes = bytesOf(again);
        byte[] expected = new byte[CHUNK];
        Arrays.fill(expected, 100, 200, (byte) 9); // not cleared: the caller overwrites it
        assertArrayEquals(expected, bytes);
        store.free(again);
        assertArrayEquals(new byte[CHUNK], bytesOf(allocate(store, 0, 0)), "an empty range clears everything");
        assertEquals(2, store.chunksInUse());
        assertEquals(1, store.slabCount());
        store.free(kept);
    }

    @Test
    void slabsAreKeptAndTheirChunksReusedLastFreedFirst() {
        ChunkStore store = new ChunkStore(CHUNK, SLAB, Long.MAX_VALUE);
        List<Chunk> chunks = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            chunks.add(allocate(store, 0, CHUNK));
        }
        assertEquals(3, store.slabCount());
        assertEquals(3 * SLAB, store.reservedBytes());
        for (Chunk chunk : chunks) {
            fill(chunk, (byte) 5);
            store.free(chunk);
        }
        assertEquals(0, store.chunksInUse());
        assertEquals(3, store.slabCount(), "the high-water mark stays");
        for (int i = 11; i >= 0; i--) {
            Chunk again = allocate(store, 0, 0);
            assertSame(chunks.get(i), again, "chunk " + i);
            assertArrayEquals(new byte[CHUNK], bytesOf(again), "chunk " + i + " is cleared");
        }
        assertEquals(3, store.slabCount());
        allocate(store, 0, CHUNK);
        assertEquals(4, store.slabCount(), "a new slab only when no chunk is free");
        assertEquals(13, store.chunksInUse());
    }

    @Test
    void prepareMakesTheSlabsThatLaterChunksComeFrom() {
        ChunkStore store = new ChunkStore(CHUNK, SLAB, 5);
        Chunk first = allocate(store, 0, CHUNK);
        store.free(first);
        store.prepare(10); // one free chunk, then 9 more: three slabs of four (one partly used)
        assertEquals(3, store.slabCount());
        store.prepare(10);
        assertEquals(3, store.slabCount(), "enough is ready: no slab more");
        List<Chunk> chunks = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            chunks.add(allocate(store, 0, CHUNK));
        }
        assertEquals(3, store.slabCount(), "twelve chunks from the prepared slabs");
        assertTrue(chunks.stream().skip(1).allMatch(chunk -> Arrays.equals(new byte[CHUNK], bytesOf(chunk))),
                "prepared chunks read as zeros");
        store.prepare(100);
        assertEquals(5, store.slabCount(), "no more than the slab limit");
        for (int i = 0; i < 8; i++) {
            allocate(store, 0, CHUNK);
        }
        assertNull(store.allocate(0, CHUNK));
    }

    @Test
    void theSlabLimitIsLikeRunningOutOfNativeMemory() {
        ChunkStore store = new ChunkStore(CHUNK, SLAB, 2);
        List<Chunk> chunks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            chunks.add(allocate(store, 0, CHUNK));
        }
        assertNull(store.allocate(0, CHUNK));
        assertEquals(8, store.chunksInUse());
        store.free(chunks.get(3));
        assertSame(chunks.get(3), store.allocate(0, CHUNK));
        assertNull(store.allocate(0, CHUNK));
        assertEquals(2, store.slabCount());
    }

    @Test
    void theNextSlabIsMadeAheadWithinTheLimitAndUsedWhenTheCurrentOneIsFull() throws InterruptedException {
        ChunkStore store = new ChunkStore(CHUNK, SLAB, 3, true);
        List<Chunk> chunks = new ArrayList<>();
        chunks.add(allocate(store, 0, CHUNK));
        awaitSlabs(store, 2, "the spare is made after the first slab is taken into use");
        for (int i = 1; i < 4; i++) {
            chunks.add(allocate(store, 0, CHUNK));
        }
        assertEquals(2, store.slabCount(), "filling the first slab takes nothing new");
        chunks.add(allocate(store, 0, CHUNK));
        assertEquals(chunks.get(0).size(), chunks.get(4).size());
        assertTrue(chunks.get(4).slab != chunks.get(0).slab, "the fifth chunk comes from the spare");
        awaitSlabs(store, 3, "taking the spare has the next one made");
        for (int i = 5; i < 12; i++) {
            chunks.add(allocate(store, 0, CHUNK));
        }
        assertNull(store.allocate(0, CHUNK), "the spare counts against the limit: three slabs, twelve chunks");
        assertEquals(3, store.slabCount());
        assertTrue(chunks.stream().allMatch(chunk -> Arrays.equals(bytesOf(chunk), new byte[CHUNK])), "fresh chunks read as zeros");
    }

    /** Waits (at most 10 s) until the store holds {@code expected} slabs: a background thread makes the spare. */
    private static void awaitSlabs(ChunkStore store, long expected, String why) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.slabCount() != expected || store.preparing()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(why + ": " + store.slabCount() + " slabs, not " + expected);
            }
            Thread.sleep(1);
        }
    }

    /** Buffers of several parts (no array, more than one NIO buffer) take the general path. */
    @Test
    void compositeBuffersCopyInAndOut() {
        ChunkStore store = new ChunkStore(CHUNK, SLAB, Long.MAX_VALUE);
        Chunk chunk = allocate(store, 0, CHUNK);
        byte[] bytes = new byte[CHUNK];
        new SplittableRandom(5).nextBytes(bytes);
        CompositeByteBuf src = Unpooled.compositeBuffer();
        src.addComponent(true, Unpooled.directBuffer(100).writeBytes(bytes, 0, 100));
        src.addComponent(true, Unpooled.buffer(CHUNK).writeBytes(bytes, 100, CHUNK - 100));
        src.readerIndex(3);
        chunk.writeFrom(src, 3, CHUNK - 3);
        assertEquals(0, src.readableBytes());
        src.release();
        CompositeByteBuf dst = Unpooled.compositeBuffer();
        dst.addComponent(false, Unpooled.directBuffer(10));
        dst.addComponent(false, Unpooled.directBuffer(CHUNK));
        dst.writerIndex(0);
        chunk.readInto(0, CHUNK, dst);
        byte[] expected = bytes.clone();
        Arrays.fill(expected, 0, 3, (byte) 0);
        byte[] read = new byte[CHUNK];
        dst.readBytes(read);
        dst.release();
        assertArrayEquals(expected, read);
        Chunk other = allocate(store, 0, CHUNK);
        chunk.copyTo(10, other, 20, 30);
        byte[] copied = new byte[CHUNK];
        System.arraycopy(expected, 10, copied, 20, 30);
        assertArrayEquals(copied, bytesOf(other, true));
        other.zero(25, 40);
        Arrays.fill(copied, 25, 40, (byte) 0);
        assertArrayEquals(copied, bytesOf(other));
    }

    @Test
    void misuseIsRefused() {
        ChunkStore store = new ChunkStore(CHUNK, SLAB, Long.MAX_VALUE);
        ChunkStore other = new ChunkStore(CHUNK, SLAB, Long.MAX_VALUE);
        Chunk chunk = allocate(store, 0, CHUNK);
        assertThrows(IllegalArgumentException.class, () -> other.free(chunk));
        assertThrows(IllegalArgumentException.class, () -> store.free(Chunk.UNWRITTEN));
        store.free(chunk);
        assertThrows(IllegalStateException.class, () -> store.free(chunk));
        assertThrows(IllegalArgumentException.class, () -> store.allocate(10, 9));
        assertThrows(IllegalArgumentException.class, () -> store.allocate(0, CHUNK + 1));
        assertThrows(IllegalArgumentException.class, () -> new ChunkStore(CHUNK, CHUNK + 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ChunkStore(3 * CHUNK, SLAB, 1));
        assertThrows(IllegalArgumentException.class, () -> new Capacity(MemFsConfig.builder().blockSize(1024).build(), store));
        assertEquals(0, store.chunksInUse());
    }

    /**
     * Threads allocate and free at random, each filling its chunks with its own byte and checking
     * it before freeing: a chunk handed to two owners at once, or not cleared where it should be,
     * shows as a wrong byte.
     */
    @Test
    void threadsAllocatingAndFreeingNeverShareAChunk() throws Exception {
        long seed = Seeds.orElse(42);
        int threads = 4;
        ChunkStore store = new ChunkStore(CHUNK, SLAB, Long.MAX_VALUE);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                SplittableRandom random = new SplittableRandom(seed * 31 + t);
                byte mark = (byte) (t + 1);
                runs.add(pool.submit(() -> {
                    start.await();
                    churn(store, random, mark, 4000, seed);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> run : runs) {
                run.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, store.chunksInUse(), "seed " + seed);
        // At most 40 chunks per thread at once: 40 slabs, plus one per thread that raced for a new one.
        long slabs = store.slabCount();
        assertTrue(slabs >= 1 && slabs <= 40 + threads, "seed " + seed + ": " + slabs + " slabs");
    }

    private static void churn(ChunkStore store, SplittableRandom random, byte mark, int steps, long seed) {
        List<Chunk> owned = new ArrayList<>();
        byte[] expected = new byte[CHUNK];
        Arrays.fill(expected, mark);
        for (int step = 0; step < steps; step++) {
            String context = "seed " + seed + " (replay with -Dvirtiofs.seed=" + seed + ") thread " + mark + " step " + step;
            if (owned.isEmpty() || (owned.size() < 40 && random.nextBoolean())) {
                int from = random.nextInt(CHUNK + 1);
                int to = from + random.nextInt(CHUNK - from + 1);
                Chunk chunk = store.allocate(from, to);
                assertNotNull(chunk, context);
                byte[] bytes = bytesOf(chunk, random.nextBoolean());
                for (int i = 0; i < CHUNK; i++) {
                    if ((i < from || i >= to) && bytes[i] != 0) {
                        throw new AssertionError(context + ": byte " + i + " outside [" + from + ", " + to + ") is " + bytes[i]);
                    }
                }
                fill(chunk, mark, random.nextBoolean());
                owned.add(chunk);
            } else {
                Chunk chunk = owned.remove(random.nextInt(owned.size()));
                assertArrayEquals(expected, bytesOf(chunk, random.nextBoolean()), context + ": another owner wrote into " + chunk);
                store.free(chunk);
            }
        }
        for (Chunk chunk : owned) {
            store.free(chunk);
        }
    }
}
