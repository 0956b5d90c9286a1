package io.virtiofs.transport.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.transport.internal.Seeds;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sink writes each message whole with one call; a regular file stands in for the session descriptor. */
class DeviceNotificationSinkTest {

    private Path file;
    private int fd;

    @BeforeEach
    void openFile() throws Exception {
        file = Files.createTempFile(Path.of("/tmp"), "notifications-", ".bin");
        fd = FileCalls.open(file.toString(), FileCalls.O_WRONLY | FileCalls.O_CLOEXEC, 0);
    }

    @AfterEach
    void closeFile() throws Exception {
        FileCalls.close(fd);
        Files.delete(file);
    }

    @Test
    void heapDirectCompositeAndOversizedMessagesArriveByteForByte() throws Exception {
        long seed = Seeds.orElse(System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (DeviceNotificationSink sink = new DeviceNotificationSink(fd, 64)) {
            ByteBuf heap = Unpooled.buffer(40);
            ByteBuf direct = Unpooled.directBuffer(48);
            ByteBuf first = Unpooled.directBuffer(20);
            ByteBuf second = Unpooled.directBuffer(30);
            CompositeByteBuf composite = Unpooled.compositeBuffer();
            ByteBuf mixedDirect = Unpooled.directBuffer(16);
            ByteBuf mixedHeap = Unpooled.buffer(16);
            CompositeByteBuf mixed = Unpooled.compositeBuffer();
            ByteBuf oversized = Unpooled.buffer(200);
            try {
                for (ByteBuf message : new ByteBuf[] {heap, direct, first, second, mixedDirect, mixedHeap, oversized}) {
                    byte[] bytes = new byte[message.capacity()];
                    random.nextBytes(bytes);
                    message.writeBytes(bytes);
                }
                composite.addComponents(true, first.retain(), second.retain());
                mixed.addComponents(true, mixedDirect.retain(), mixedHeap.retain()); // a heap piece: copied
                heap.skipBytes(3); // only the readable bytes are the message
                for (ByteBuf message : new ByteBuf[] {heap, direct, composite, mixed, oversized}) {
                    byte[] bytes = new byte[message.readableBytes()];
                    message.getBytes(message.readerIndex(), bytes);
                    expected.writeBytes(bytes);
                    int readerIndex = message.readerIndex();
                    sink.send(message);
                    assertEquals(readerIndex, message.readerIndex(), "the sink must not consume the message");
                }
            } finally {
                for (ByteBuf message : new ByteBuf[] {heap, direct, first, second, composite, mixedDirect, mixedHeap, mixed,
                        oversized}) {
                    message.release();
                }
            }
        }
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file), "seed " + seed);
    }

    @Test
    void messagesShorterThanTheHeaderAreRefused() {
        try (DeviceNotificationSink sink = new DeviceNotificationSink(fd, 64)) {
            ByteBuf tiny = Unpooled.wrappedBuffer(new byte[15]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sink.send(tiny));
            assertEquals("a notification of 15 bytes is shorter than fuse_out_header", e.getMessage());
        }
    }

    @Test
    void aClosedSinkAnswersEnotconnAndABadDescriptorEbadf() {
        ByteBuf message = Unpooled.wrappedBuffer(new byte[16]);
        DeviceNotificationSink sink = new DeviceNotificationSink(fd, 64);
        sink.close();
        sink.close(); // idempotent
        assertEquals(Errno.ENOTCONN, assertThrows(ErrnoException.class, () -> sink.send(message)).errno());
        try (DeviceNotificationSink broken = new DeviceNotificationSink(-1, 64)) {
            assertEquals(Errno.EBADF, assertThrows(ErrnoException.class, () -> broken.send(message)).errno());
        }
    }
}
