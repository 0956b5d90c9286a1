package io.virtiofs.transport.virtqueue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.transport.internal.Seeds;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ChainBufferTest {

    private static final byte GUARD = (byte) 0xee;

    /** Guest memory with parts laid out in it, 8 guard bytes before and after each. */
    private static final class Layout implements AutoCloseable {
        final Arena arena = Arena.ofConfined();
        final MemorySegment memory;
        final long[] offsets;
        final int[] lengths;

        Layout(int... lengths) {
            this.lengths = lengths;
            this.offsets = new long[lengths.length];
            long size = 8;
            for (int i = 0; i < lengths.length; i++) {
                offsets[i] = size;
                size += lengths[i] + 8;
            }
            memory = arena.allocate(size);
            memory.fill(GUARD);
        }

        ChainBuffer buffer(boolean readOnly) {
            ChainBuffer buffer = new ChainBuffer(readOnly);
            target(buffer);
            return buffer;
        }

        void target(ChainBuffer buffer) {
            buffer.clearParts();
            for (int i = 0; i < lengths.length; i++) {
                buffer.addPart(memory, offsets[i], lengths[i]);
            }
            buffer.seal();
        }

        /** The parts' bytes, end to end. */
        byte[] content() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < lengths.length; i++) {
                out.writeBytes(memory.asSlice(offsets[i], lengths[i]).toArray(ValueLayout.JAVA_BYTE));
            }
            return out.toByteArray();
        }

        /** Whether every byte outside the parts still holds the guard. */
        boolean guardsIntact() {
            long position = 0;
            for (int i = 0; i <= lengths.length; i++) {
                long end = i < lengths.length ? offsets[i] : memory.byteSize();
                for (long b = position; b < end; b++) {
                    if (memory.get(ValueLayout.JAVA_BYTE, b) != GUARD) {
                        return false;
                    }
                }
                position = i < lengths.length ? offsets[i] + lengths[i] : end;
            }
            return true;
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    @Test
    void valuesAcrossAPartBoundaryLandInBothPartsInEitherOrder() {
        try (Layout layout = new Layout(3, 13)) {
            ChainBuffer buffer = layout.buffer(false);
            assertEquals(16, buffer.capacity());
            assertEquals(16, buffer.maxCapacity());
            assertEquals(0, buffer.writerIndex());
            buffer.writeLongLE(0x0807060504030201L).writeLong(0x1112131415161718L);
            assertArrayEquals(HexFormat.of().parseHex("010203"), layout.memory.asSlice(8, 3).toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(HexFormat.of().parseHex("04050607081112131415161718"),
                    layout.memory.asSlice(19, 13).toArray(ValueLayout.JAVA_BYTE));
            assertTrue(layout.guardsIntact());
            assertEquals(0x0807060504030201L, buffer.getLongLE(0));
            assertEquals(0x0102030405060708L, buffer.getLong(0));
            assertEquals(0x04030201, buffer.getIntLE(0));
            assertEquals(0x0304, buffer.getShort(2));
            assertEquals(0x050403, buffer.getUnsignedMediumLE(2));
            assertEquals(0x030405, buffer.getMedium(2));
            assertEquals(0x1112131415161718L, buffer.getLong(8));
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.writeByte(0), "full: the buffer cannot grow");
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.getInt(13));
            assertThrows(UnsupportedOperationException.class, () -> buffer.capacity(17));
        }
    }

    @Test
    void aReadOnlyPartIsReadableAndRefusesWrites() {
        try (Layout layout = new Layout(4, 4)) {
            layout.memory.asSlice(8, 4).copyFrom(MemorySegment.ofArray(new byte[] {1, 2, 3, 4}));
            layout.memory.asSlice(20, 4).copyFrom(MemorySegment.ofArray(new byte[] {5, 6, 7, 8}));
            ChainBuffer buffer = layout.buffer(true);
            assertTrue(buffer.isReadOnly());
            assertEquals(0, buffer.readerIndex());
            assertEquals(8, buffer.writerIndex());
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, ByteBufUtil.getBytes(buffer));
            assertThrows(ReadOnlyBufferException.class, () -> buffer.setInt(0, 1));
            assertThrows(ReadOnlyBufferException.class, () -> buffer.setByte(5, 1));
            assertThrows(ReadOnlyBufferException.class, () -> buffer.setBytes(0, new byte[2]));
            assertThrows(ReadOnlyBufferException.class, () -> buffer.setBytes(0, Unpooled.buffer(2).writeShort(1)));
            assertThrows(ReadOnlyBufferException.class, () -> buffer.setBytes(0, ByteBuffer.allocate(2)));
            assertTrue(layout.guardsIntact());
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, layout.content());
            assertTrue(buffer.nioBuffers(0, 8)[1].isReadOnly());
        }
    }

    @Test
    void retargetingReusesTheObjectAndForgetsTheOldParts() {
        try (Layout first = new Layout(8); Layout second = new Layout(2, 2, 2)) {
            ChainBuffer buffer = first.buffer(false);
            buffer.writeLong(-1L);
            second.target(buffer);
            assertEquals(6, buffer.capacity());
            assertEquals(6, buffer.maxCapacity());
            assertEquals(0, buffer.writerIndex());
            buffer.writeShort(0x0102).writeInt(0x03040506);
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, second.content());
            assertArrayEquals(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1}, first.content(), "the old part is untouched");
            assertTrue(first.guardsIntact());
            assertTrue(second.guardsIntact());
            assertEquals(3, buffer.nioBufferCount());
            assertEquals(java.util.List.of(2, 2, 2), Arrays.stream(buffer.nioBuffers(0, 6)).map(ByteBuffer::remaining)
                    .toList());
            assertEquals(java.util.List.of(1, 2), Arrays.stream(buffer.nioBuffers(3, 3)).map(ByteBuffer::remaining)
                    .toList());
            ByteBuffer merged = buffer.nioBuffer(1, 4);
            byte[] mergedBytes = new byte[4];
            merged.get(mergedBytes);
            assertArrayEquals(new byte[] {2, 3, 4, 5}, mergedBytes);
        }
    }

    @Test
    void guestMemoryIsNeverFreedThroughTheView() {
        try (Layout layout = new Layout(4)) {
            ChainBuffer buffer = layout.buffer(false);
            assertEquals(1, buffer.refCnt());
            assertFalse(buffer.release());
            assertSame(buffer, buffer.retain());
            buffer.writeInt(42);
            assertEquals(42, buffer.getInt(0), "still usable");
            assertTrue(buffer.isDirect());
            assertFalse(buffer.hasArray());
            assertFalse(buffer.hasMemoryAddress());
        }
    }

    @Test
    void accessAfterTheMemoryIsGoneFailsWithAnException() {
        Layout layout = new Layout(4, 4);
        ChainBuffer buffer = layout.buffer(false);
        layout.close();
        assertThrows(IllegalStateException.class, () -> buffer.setInt(2, 1));
        assertThrows(IllegalStateException.class, () -> buffer.getByte(0));
    }

    @Test
    void streamsAndChannelsCrossParts() throws Exception {
        try (Layout layout = new Layout(3, 5)) {
            ChainBuffer buffer = layout.buffer(false);
            buffer.setZero(0, 8);
            assertEquals(6, buffer.setBytes(1, new ByteArrayInputStream(new byte[] {9, 8, 7, 6, 5, 4}), 6));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            buffer.getBytes(0, out, 8);
            assertArrayEquals(new byte[] {0, 9, 8, 7, 6, 5, 4, 0}, out.toByteArray());

            Path file = Files.createTempFile("chainbuffer", ".bin");
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                assertEquals(6, buffer.getBytes(1, channel, 10, 6));
                assertArrayEquals(new byte[] {9, 8, 7, 6, 5, 4}, Arrays.copyOfRange(Files.readAllBytes(file), 10, 16));
                buffer.setZero(0, 8);
                assertEquals(5, buffer.setBytes(2, channel, 11, 5));
                assertArrayEquals(new byte[] {0, 0, 8, 7, 6, 5, 4, 0}, layout.content());
                assertEquals(-1, buffer.setBytes(0, channel, 100, 4), "end of file");
            } finally {
                Files.delete(file);
            }
            assertTrue(layout.guardsIntact());
        }
    }

    /** Random writes and reads of every kind, checked against a heap buffer doing the same. */
    @Test
    void behavesLikeAHeapBufferUnderRandomOperations() {
        long seed = Seeds.orElse(System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 200; round++) {
            int[] lengths = new int[1 + random.nextInt(4)];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = 1 + random.nextInt(24);
            }
            try (Layout layout = new Layout(lengths)) {
                ChainBuffer buffer = layout.buffer(false);
                int capacity = buffer.capacity();
                ByteBuf model = Unpooled.buffer(capacity, capacity);
                model.writeZero(capacity);
                byte[] initial = layout.content();
                model.setBytes(0, initial);
                for (int step = 0; step < 60; step++) {
                    String where = "seed " + seed + " (replay with -Dvirtiofs.seed=" + seed + "), round " + round
                            + ", step " + step + ", parts " + Arrays.toString(lengths);
                    operate(random, buffer, model, where);
                    assertArrayEquals(ByteBufUtil.getBytes(model, 0, capacity), layout.content(), where);
                    assertTrue(layout.guardsIntact(), where + ": a write left the parts");
                }
            }
        }
    }

    private static void operate(SplittableRandom random, ChainBuffer buffer, ByteBuf model, String where) {
        int capacity = buffer.capacity();
        int width = new int[] {1, 2, 3, 4, 8}[random.nextInt(5)];
        if (width > capacity) {
            width = 1;
        }
        int index = random.nextInt(capacity - width + 1);
        long value = random.nextLong();
        int length = random.nextInt(capacity - index + 1);
        switch (random.nextInt(14)) {
            case 0 -> {
                buffer.setByte(index, (int) value);
                model.setByte(index, (int) value);
            }
            case 1 -> {
                if (width >= 2) {
                    buffer.setShort(index, (int) value);
                    model.setShort(index, (int) value);
                } else {
                    buffer.setByte(index, (int) value);
                    model.setByte(index, (int) value);
                }
            }
            case 2 -> {
                if (width >= 2) {
                    buffer.setShortLE(index, (int) value);
                    model.setShortLE(index, (int) value);
                }
            }
            case 3 -> {
                if (width >= 3) {
                    buffer.setMedium(index, (int) value);
                    model.setMedium(index, (int) value);
                    buffer.setMediumLE(index, (int) (value >> 8));
                    model.setMediumLE(index, (int) (value >> 8));
                }
            }
            case 4 -> {
                if (width >= 4) {
                    buffer.setInt(index, (int) value);
                    model.setInt(index, (int) value);
                    buffer.setIntLE(index, (int) (value >> 3));
                    model.setIntLE(index, (int) (value >> 3));
                }
            }
            case 5 -> {
                if (width == 8) {
                    buffer.setLong(index, value);
                    model.setLong(index, value);
                    buffer.setLongLE(index, value * 31);
                    model.setLongLE(index, value * 31);
                }
            }
            case 6 -> {
                assertEquals(model.getByte(index), buffer.getByte(index), where);
                if (width >= 2) {
                    assertEquals(model.getShort(index), buffer.getShort(index), where);
                    assertEquals(model.getShortLE(index), buffer.getShortLE(index), where);
                }
                if (width >= 3) {
                    assertEquals(model.getUnsignedMedium(index), buffer.getUnsignedMedium(index), where);
                    assertEquals(model.getUnsignedMediumLE(index), buffer.getUnsignedMediumLE(index), where);
                }
                if (width >= 4) {
                    assertEquals(model.getInt(index), buffer.getInt(index), where);
                    assertEquals(model.getIntLE(index), buffer.getIntLE(index), where);
                }
                if (width == 8) {
                    assertEquals(model.getLong(index), buffer.getLong(index), where);
                    assertEquals(model.getLongLE(index), buffer.getLongLE(index), where);
                }
            }
            case 7 -> {
                byte[] source = randomBytes(random, length);
                buffer.setBytes(index, source);
                model.setBytes(index, source);
            }
            case 8 -> {
                byte[] expected = new byte[length + 2];
                byte[] actual = new byte[length + 2];
                model.getBytes(index, expected, 1, length);
                buffer.getBytes(index, actual, 1, length);
                assertArrayEquals(expected, actual, where);
            }
            case 9 -> {
                ByteBuf source = Unpooled.directBuffer(length + 3).writeBytes(randomBytes(random, length + 3));
                buffer.setBytes(index, source, 3, length);
                model.setBytes(index, source, 3, length);
                source.release();
            }
            case 10 -> {
                ByteBuf target = Unpooled.directBuffer(length, length).writeZero(length);
                buffer.getBytes(index, target, 0, length);
                assertArrayEquals(ByteBufUtil.getBytes(model, index, length), ByteBufUtil.getBytes(target), where);
                target.release();
            }
            case 11 -> {
                ByteBuffer source = ByteBuffer.wrap(randomBytes(random, length));
                buffer.setBytes(index, source);
                model.setBytes(index, randomBytesAgain(source));
                assertEquals(0, source.remaining(), where);
            }
            case 12 -> {
                byte[] copied = ByteBufUtil.getBytes(buffer.copy(index, length));
                assertArrayEquals(ByteBufUtil.getBytes(model, index, length), copied, where);
                ByteBuffer direct = ByteBuffer.allocateDirect(length);
                buffer.getBytes(index, direct);
                assertEquals(length, direct.position(), where);
                byte[] viaDirect = new byte[length];
                direct.flip().get(viaDirect);
                assertArrayEquals(copied, viaDirect, where);
            }
            default -> {
                // Another chain buffer over fresh memory, copied in both directions.
                try (Layout other = new Layout(1 + random.nextInt(length + 1), 1 + length)) {
                    ChainBuffer peer = other.buffer(false);
                    byte[] bytes = randomBytes(random, length);
                    peer.setBytes(1, bytes);
                    buffer.setBytes(index, peer, 1, length);
                    model.setBytes(index, bytes);
                    ChainBuffer back = other.buffer(false);
                    buffer.getBytes(index, back, 0, length);
                    assertArrayEquals(ByteBufUtil.getBytes(model, index, length), ByteBufUtil.getBytes(back, 0, length),
                            where);
                }
            }
        }
    }

    private static byte[] randomBytes(SplittableRandom random, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    /** The bytes a consumed heap ByteBuffer held. */
    private static byte[] randomBytesAgain(ByteBuffer consumed) {
        return Arrays.copyOf(consumed.array(), consumed.limit());
    }
}
