package io.virtiofs.examples.memfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.testkit.support.Seeds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@link FileData} against a model: the bytes, and the state of every 512-byte chunk (hole,
 * allocated but unwritten, written), which decides st_blocks, SEEK_DATA and SEEK_HOLE.
 */
class FileDataTest {

    private static final int CHUNK = 512;
    private static final int HOLE = 0;
    private static final int UNWRITTEN = 1;
    private static final int WRITTEN = 2;
    private static final int MAX = 40 * CHUNK;

    private static Capacity capacity(long bytes) {
        return new Capacity(MemFsConfig.builder().blockSize(CHUNK).capacityBytes(bytes).build());
    }

    /** A capacity of {@code bytes} whose memory is slabs of four chunks, at most {@code maxSlabs}. */
    private static Capacity capacity(long bytes, long maxSlabs) {
        return new Capacity(MemFsConfig.builder().blockSize(CHUNK).capacityBytes(bytes).build(),
                new ChunkStore(CHUNK, 4 * CHUNK, maxSlabs));
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static int write(FileData data, long offset, byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            return data.write(offset, false, buf, Long.MAX_VALUE);
        } finally {
            buf.release();
        }
    }

    private static byte[] read(FileData data, long offset, int length) {
        ByteBuf buf = Unpooled.buffer(length);
        try {
            int count = data.read(offset, length, buf);
            assertEquals(count, buf.readableBytes());
            byte[] bytes = new byte[count];
            buf.readBytes(bytes);
            return bytes;
        } finally {
            buf.release();
        }
    }

    @Test
    void aWriteThatPartlyFitsWritesWhatFits() {
        Capacity capacity = capacity(3 * CHUNK);
        FileData data = new FileData(capacity);
        byte[] bytes = new byte[5 * CHUNK];
        Arrays.fill(bytes, (byte) 9);
        assertEquals(3 * CHUNK - 100, write(data, 100, bytes));
        assertEquals(3 * CHUNK, data.size());
        assertEquals(3 * CHUNK, data.allocatedBytes());
        ErrnoException full = assertThrows(ErrnoException.class, () -> write(data, 3 * CHUNK, new byte[1]));
        assertEquals(Errno.ENOSPC, full.errno());
        data.discard();
        assertEquals(0, capacity.usedBlocks());
        assertEquals(Errno.ESTALE, assertThrows(ErrnoException.class, () -> read(data, 0, 1)).errno());
    }

    @Test
    void writesStopAtTheLargestSize() {
        FileData data = new FileData(capacity(1 << 20));
        ByteBuf buf = Unpooled.wrappedBuffer(new byte[100]);
        try {
            assertEquals(50, data.write(950, false, buf, 1000));
            assertEquals(Errno.EFBIG, assertThrows(ErrnoException.class,
                    () -> data.write(1000, false, Unpooled.wrappedBuffer(new byte[1]), 1000)).errno());
        } finally {
            buf.release();
        }
    }

    /**
     * Native memory (here: a store of two slabs, eight chunks) runs out before the capacity: writes
     * come up short or fail with ENOSPC, and nothing written before is lost; freeing a chunk lets
     * writes go on.
     */
    @Test
    void runningOutOfNativeMemoryLosesNothing() {
        Capacity capacity = capacity(1 << 20, 2);
        ChunkStore store = capacity.chunkStore();
        FileData data = new FileData(capacity);
        byte[] ones = filled(10 * CHUNK, 1);
        assertEquals(8 * CHUNK - 10, write(data, 10, ones));
        assertEquals(8 * CHUNK, data.size());
        assertEquals(8, store.chunksInUse());
        assertEquals(8, capacity.usedBlocks(), "the block whose memory failed is given back");
        data.allocate(8 * CHUNK, CHUNK, false); // fallocate needs capacity, not memory
        assertEquals(9 * CHUNK, data.allocatedBytes());
        ErrnoException full = assertThrows(ErrnoException.class, () -> write(data, 8 * CHUNK + 5, filled(3, 2)));
        assertEquals(Errno.ENOSPC, full.errno());
        assertEquals(9, capacity.usedBlocks());
        assertEquals(9 * CHUNK, data.allocatedBytes(), "the unwritten chunk stays allocated");
        byte[] expected = new byte[9 * CHUNK];
        Arrays.fill(expected, 10, 8 * CHUNK, (byte) 1);
        assertArrayEquals(expected, read(data, 0, 10 * CHUNK));

        FileData other = new FileData(capacity);
        ErrnoException otherFull = assertThrows(ErrnoException.class, () -> write(other, 0, filled(1, 3)));
        assertEquals(Errno.ENOSPC, otherFull.errno());
        assertEquals(0, other.size());

        data.punchHole(2 * CHUNK, 2 * CHUNK); // two chunks go back to the store
        assertEquals(6, store.chunksInUse());
        assertEquals(1, write(other, 0, filled(1, 3)));
        assertEquals(CHUNK - 5, write(data, 8 * CHUNK + 5, filled(2 * CHUNK, 2)),
                "the unwritten chunk gets memory; past it, none is left");
        Arrays.fill(expected, 2 * CHUNK, 4 * CHUNK, (byte) 0);
        Arrays.fill(expected, 8 * CHUNK + 5, 9 * CHUNK, (byte) 2);
        assertArrayEquals(expected, read(data, 0, 10 * CHUNK));
        assertArrayEquals(filled(1, 3), read(other, 0, 10));
        assertEquals(8, store.chunksInUse());

        data.discard();
        other.discard();
        assertEquals(0, store.chunksInUse());
        assertEquals(0, capacity.usedBlocks());
        assertEquals(2, store.slabCount(), "slabs are kept for the next writes");
        assertEquals(8 * CHUNK, write(new FileData(capacity), 0, filled(9 * CHUNK, 6)), "all eight chunks are reused");
    }

    /**
     * Truncating or deleting a file gives its chunks back so that the next writer gets them in
     * the file's order again: chunks that were side by side stay side by side, and a rewrite
     * copies whole runs (handed out backwards, every chunk was a copy of its own).
     */
    @Test
    void chunksFreedTogetherAreHandedOutAgainInTheirOrder() {
        Capacity capacity = capacity(1 << 20, 10);
        ChunkStore store = capacity.chunkStore();
        FileData data = new FileData(capacity);
        assertEquals(12 * CHUNK, write(data, 0, filled(12 * CHUNK, 1)));
        assertEquals(3, store.slabCount());
        data.truncate(0);
        List<Chunk> again = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            again.add(store.allocate(0, CHUNK));
        }
        assertEquals(3, store.slabCount(), "no new memory");
        int sideBySide = 0;
        for (int i = 0; i + 1 < again.size(); i++) {
            sideBySide += again.get(i).isFollowedBy(again.get(i + 1)) ? 1 : 0;
        }
        assertEquals(9, sideBySide, "chunks following their predecessor (3 slabs of 4)");
    }

    /** copy_file_range stops short when the destination runs out of native memory. */
    @Test
    void aCopyStopsShortWhenNativeMemoryRunsOut() {
        Capacity capacity = capacity(1 << 20, 1);
        FileData src = new FileData(capacity);
        FileData dst = new FileData(capacity);
        assertEquals(2 * CHUNK, write(src, 0, filled(2 * CHUNK, 4)));
        dst.writeLock().lock();
        src.readLock().lock();
        try {
            assertEquals(2 * CHUNK, FileData.copyLocked(src, 0, dst, 0, 3 * CHUNK, Long.MAX_VALUE));
            assertEquals(Errno.ENOSPC, assertThrows(ErrnoException.class,
                    () -> FileData.copyLocked(src, 0, dst, 2 * CHUNK, CHUNK, Long.MAX_VALUE)).errno());
        } finally {
            src.readLock().unlock();
            dst.writeLock().unlock();
        }
        assertArrayEquals(filled(2 * CHUNK, 4), read(dst, 0, 3 * CHUNK));
        assertEquals(4, capacity.usedBlocks());
    }

    @TestFactory
    Stream<DynamicTest> randomOperationsMatchTheModel() {
        LongStream seeds = Seeds.of(LongStream.rangeClosed(1, 6).toArray());
        return seeds.mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> new Run(seed).run(1500)));
    }

    /** One seeded run against the model. */
    private static final class Run {
        private final long seed;
        private final SplittableRandom random;
        /** Slabs of four chunks: they fill, empty and go back to the store all the time. */
        private final Capacity capacity = capacity(1 << 20, Long.MAX_VALUE);
        private final FileData data = new FileData(capacity);
        private final FileData other = new FileData(capacity);
        private byte[] bytes = new byte[0];
        private final int[] chunks = new int[MAX / CHUNK + 1];
        private String operation = "";

        Run(long seed) {
            this.seed = seed;
            this.random = new SplittableRandom(seed);
        }

        void run(int steps) {
            for (int step = 0; step < steps; step++) {
                int offset = random.nextInt(MAX - 3 * CHUNK);
                int length = 1 + random.nextInt(3 * CHUNK);
                try {
                    apply(offset, length);
                    verify();
                } catch (AssertionError | RuntimeException e) {
                    throw new AssertionError("seed " + seed + " (replay with -Dvirtiofs.seed=" + seed + ") step " + step
                            + " " + operation + ": " + e.getMessage(), e);
                }
            }
        }

        private void apply(int offset, int length) {
            int end = offset + length;
            switch (random.nextInt(8)) {
                case 0, 1 -> {
                    operation = "write " + offset + "+" + length;
                    byte[] written = new byte[length];
                    random.nextBytes(written);
                    assertEquals(length, write(data, offset, written));
                    ensureSize(end);
                    System.arraycopy(written, 0, bytes, offset, length);
                    mark(offset, end, WRITTEN, true);
                }
                case 2 -> {
                    int size = random.nextInt(MAX - 3 * CHUNK);
                    operation = "truncate " + size;
                    data.truncate(size);
                    if (size < bytes.length) {
                        for (int c = (size + CHUNK - 1) / CHUNK; c < chunks.length; c++) {
                            chunks[c] = HOLE;
                        }
                    }
                    bytes = Arrays.copyOf(bytes, size);
                }
                case 3 -> {
                    operation = "punch " + offset + "+" + length;
                    data.punchHole(offset, length);
                    zero(offset, end);
                    for (int c = (offset + CHUNK - 1) / CHUNK; (c + 1) * CHUNK <= end; c++) {
                        chunks[c] = HOLE;
                    }
                }
                case 4 -> {
                    boolean keep = random.nextBoolean();
                    operation = "zero range " + offset + "+" + length + " keep " + keep;
                    data.zeroRange(offset, length, keep);
                    zero(offset, end);
                    mark(offset, end, UNWRITTEN, false);
                    for (int c = (offset + CHUNK - 1) / CHUNK; (c + 1) * CHUNK <= end; c++) {
                        chunks[c] = UNWRITTEN;
                    }
                    if (!keep) {
                        ensureSize(end);
                    }
                }
                case 5 -> {
                    boolean keep = random.nextBoolean();
                    operation = "allocate " + offset + "+" + length + " keep " + keep;
                    data.allocate(offset, length, keep);
                    mark(offset, end, UNWRITTEN, false);
                    if (!keep) {
                        ensureSize(end);
                    }
                }
                case 6 -> copyFromOther(offset, length);
                default -> seek(offset);
            }
        }

        /** Copies from a second file with random data and holes into this one. */
        private void copyFromOther(int offset, int length) {
            other.truncate(0);
            other.truncate(MAX);
            byte[] source = new byte[MAX];
            boolean[] sourceWritten = new boolean[chunks.length];
            for (int c = 0; c < MAX / CHUNK; c++) {
                if (random.nextInt(3) == 0) {
                    byte[] chunk = new byte[CHUNK];
                    random.nextBytes(chunk);
                    write(other, (long) c * CHUNK, chunk);
                    System.arraycopy(chunk, 0, source, c * CHUNK, CHUNK);
                    sourceWritten[c] = true;
                }
            }
            int from = random.nextInt(MAX - length);
            operation = "copy " + from + "+" + length + " to " + offset;
            data.writeLock().lock();
            other.readLock().lock();
            try {
                assertEquals(length, FileData.copyLocked(other, from, data, offset, length, Long.MAX_VALUE));
            } finally {
                other.readLock().unlock();
                data.writeLock().unlock();
            }
            ensureSize(offset + length);
            System.arraycopy(source, from, bytes, offset, length);
            for (int i = 0; i < length; i++) {
                if (sourceWritten[(from + i) / CHUNK]) {
                    chunks[(offset + i) / CHUNK] = WRITTEN;
                }
            }
        }

        private void seek(int offset) {
            operation = "seek from " + offset;
            if (offset >= bytes.length) {
                assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> data.seekData(offset)).errno());
                assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> data.seekHole(offset)).errno());
                return;
            }
            int c = offset / CHUNK;
            while (c * CHUNK < bytes.length && chunks[c] == HOLE) {
                c++;
            }
            if (c * CHUNK >= bytes.length) {
                assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> data.seekData(offset)).errno());
            } else {
                assertEquals(Math.max(offset, c * CHUNK), data.seekData(offset));
            }
            c = offset / CHUNK;
            while (c * CHUNK < bytes.length && chunks[c] != HOLE) {
                c++;
            }
            assertEquals(Math.min(bytes.length, Math.max(offset, c * CHUNK)), data.seekHole(offset));
        }

        private void ensureSize(int size) {
            if (bytes.length < size) {
                bytes = Arrays.copyOf(bytes, size);
            }
        }

        private void zero(int from, int to) {
            Arrays.fill(bytes, Math.min(from, bytes.length), Math.min(to, bytes.length), (byte) 0);
        }

        /** Sets every chunk touching [from, to) to {@code state}; {@code overwrite} false only fills holes. */
        private void mark(int from, int to, int state, boolean overwrite) {
            for (int c = from / CHUNK; c <= (to - 1) / CHUNK; c++) {
                if (overwrite || chunks[c] == HOLE) {
                    chunks[c] = state;
                }
            }
        }

        private void verify() {
            assertEquals(bytes.length, data.size(), "size");
            assertArrayEquals(bytes, read(data, 0, MAX + CHUNK), "content");
            long allocated = Arrays.stream(chunks).filter(state -> state != HOLE).count();
            assertEquals(allocated * CHUNK, data.allocatedBytes(), "allocated bytes");
            assertEquals((data.allocatedBytes() + other.allocatedBytes()) / CHUNK, capacity.usedBlocks(), "capacity");
            long written = Arrays.stream(chunks).filter(state -> state == WRITTEN).count();
            // The other file has no unwritten chunks: each of its chunks holds memory.
            assertEquals(written + other.allocatedBytes() / CHUNK, capacity.chunkStore().chunksInUse(), "chunks in memory");
        }
    }
}
