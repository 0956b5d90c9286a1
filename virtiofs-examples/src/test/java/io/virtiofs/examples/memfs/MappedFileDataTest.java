package io.virtiofs.examples.memfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.testkit.support.Seeds;
import io.virtiofs.transport.device.MappableMemoryFile;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A file's bytes once a DAX window maps it: they move from chunks into a memory file that memfs
 * and the window share, and every operation then acts on that memory.
 */
class MappedFileDataTest {

    private static final int BLOCK = 4096;
    private static final long RANGE = MappedFileData.RANGE;

    private static Capacity capacity(long bytes) {
        return new Capacity(MemFsConfig.builder().blockSize(BLOCK).capacityBytes(bytes).build());
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
            byte[] bytes = new byte[count];
            buf.readBytes(bytes);
            return bytes;
        } finally {
            buf.release();
        }
    }

    private static byte[] random(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    @Test
    void mappingMovesTheBytesAndTheWindowsStoresAreTheFilesBytes() {
        Capacity capacity = capacity(64 << 20);
        FileData data = new FileData(capacity);
        Random random = new Random(1);
        byte[] head = random(random, 10_000);
        byte[] tail = random(random, 5_000);
        write(data, 0, head);
        write(data, 3_000_000, tail); // a hole between them
        MappableMemoryFile memory = data.mappable(64 << 20);
        assertSame(memory, data.mappable(64 << 20), "one memory file per file");
        assertEquals(3_005_000, data.size());
        assertEquals(2 * RANGE, memory.length(), "whole DAX ranges past the end");
        assertArrayEquals(head, read(data, 0, head.length));
        assertArrayEquals(new byte[1000], read(data, 2_999_000, 1000), "the hole reads as zeros");
        assertArrayEquals(tail, read(data, 3_000_000, tail.length));
        assertEquals(head[17], memory.memory().get(ValueLayout.JAVA_BYTE, 17), "the window sees memfs's bytes");

        // A guest's store through the window is the file's content for memfs.
        memory.memory().set(ValueLayout.JAVA_BYTE, 5, (byte) 0x5a);
        assertEquals(0x5a, read(data, 5, 1)[0]);
        // And memfs's writes are what the window shows.
        write(data, 100, new byte[] {1, 2, 3});
        assertEquals(2, memory.memory().get(ValueLayout.JAVA_BYTE, 101));

        // Truncation: shorter, then longer again: the bytes between read as zeros.
        data.truncate(50);
        data.truncate(20_000);
        assertArrayEquals(new byte[20_000 - 50], read(data, 50, 20_000 - 50));
        assertEquals(2 * RANGE, memory.length(), "the memory file never shrinks (a mapping past the end would fault)");
        assertEquals(5 * BLOCK, data.allocatedBytes());

        // Writing past the memory file grows it by whole ranges.
        write(data, 5 * RANGE + 1, new byte[] {9});
        assertEquals(6 * RANGE, memory.length());
        assertEquals(9, read(data, 5 * RANGE + 1, 1)[0]);

        long used = capacity.usedBlocks();
        data.discard();
        assertEquals(0, capacity.usedBlocks(), "discarding gives back the " + used + " blocks");
    }

    @Test
    void aFileMappedAtAnyPointBehavesAsOneNeverMapped() {
        Seeds.of(8).forEach(seed -> {
            Random random = new Random(seed);
            FileData plain = new FileData(capacity(256 << 20));
            FileData mapped = new FileData(capacity(256 << 20));
            int mapAt = random.nextInt(60);
            try {
                for (int op = 0; op < 60; op++) {
                    if (op == mapAt) {
                        mapped.mappable(64 << 20);
                    }
                    long offset = random.nextInt(3 << 20);
                    int length = 1 + random.nextInt(200_000);
                    switch (random.nextInt(6)) {
                        case 0, 1 -> {
                            byte[] bytes = random(random, length);
                            assertEquals(write(plain, offset, bytes), write(mapped, offset, bytes));
                        }
                        case 2 -> {
                            plain.truncate(offset);
                            mapped.truncate(offset);
                        }
                        case 3 -> {
                            plain.punchHole(offset, length);
                            mapped.punchHole(offset, length);
                        }
                        case 4 -> {
                            boolean keepSize = random.nextBoolean();
                            plain.zeroRange(offset, length, keepSize);
                            mapped.zeroRange(offset, length, keepSize);
                        }
                        default -> assertArrayEquals(read(plain, offset, length), read(mapped, offset, length),
                                "seed " + seed + " op " + op);
                    }
                    assertEquals(plain.size(), mapped.size(), "seed " + seed + " op " + op);
                }
                assertArrayEquals(read(plain, 0, (int) plain.size()), read(mapped, 0, (int) mapped.size()),
                        "seed " + seed);
            } finally {
                plain.discard();
                mapped.discard();
            }
        });
    }

    @Test
    void copyFileRangeBetweenAMappedAndAChunkedFile() {
        Capacity capacity = capacity(64 << 20);
        FileData source = new FileData(capacity);
        FileData target = new FileData(capacity);
        byte[] bytes = random(new Random(3), 300_000);
        write(source, 0, bytes);
        source.mappable(64 << 20);
        source.writeLock().lock();
        target.writeLock().lock();
        try {
            assertEquals(bytes.length, FileData.copyLocked(source, 0, target, 10, bytes.length, Long.MAX_VALUE));
        } finally {
            target.writeLock().unlock();
            source.writeLock().unlock();
        }
        assertArrayEquals(bytes, read(target, 10, bytes.length));
        assertTrue(Arrays.equals(new byte[10], read(target, 0, 10)));
        source.discard();
        target.discard();
    }
}
