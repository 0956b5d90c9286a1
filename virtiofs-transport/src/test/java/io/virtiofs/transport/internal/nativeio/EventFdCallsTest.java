package io.virtiofs.transport.internal.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.virtiofs.api.Errno;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventFdCallsTest {

    @Test
    void counterRoundTripAddsWritesAndResetsOnRead() throws Exception {
        int fd = EventFdCalls.eventfd(3, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
        try {
            EventFdCalls.write(fd, 5);
            EventFdCalls.write(fd, 7);
            assertEquals(15L, EventFdCalls.read(fd));
            NativeException empty = assertThrows(NativeException.class, () -> EventFdCalls.read(fd));
            assertEquals(Errno.EAGAIN, empty.errno());
            assertEquals("eventfd_read", empty.call());
        } finally {
            FileCalls.close(fd);
        }
    }

    @Test
    void semaphoreReadsTakeOneAtATime() throws Exception {
        int fd = EventFdCalls.eventfd(2, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK | EventFdCalls.EFD_SEMAPHORE);
        try {
            assertEquals(1L, EventFdCalls.read(fd));
            assertEquals(1L, EventFdCalls.read(fd));
            assertEquals(Errno.EAGAIN, assertThrows(NativeException.class, () -> EventFdCalls.read(fd)).errno());
        } finally {
            FileCalls.close(fd);
        }
    }

    @Test
    void blockingReadWakesOnAWriteFromAnotherThread() throws Exception {
        int fd = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC);
        try {
            CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    return EventFdCalls.read(fd);
                } catch (NativeException e) {
                    throw new IllegalStateException(e);
                }
            });
            EventFdCalls.write(fd, 9);
            assertEquals(9L, reader.get(10, TimeUnit.SECONDS));
        } finally {
            FileCalls.close(fd);
        }
    }

    @Test
    void writeToABadDescriptorFailsWithEbadf() {
        NativeException e = assertThrows(NativeException.class, () -> EventFdCalls.write(-1, 1));
        assertEquals(Errno.EBADF, e.errno());
        assertEquals("eventfd_write failed: EBADF (Bad file number)", e.getMessage());
    }

    @Test
    void invalidFlagsFailWithEinval() {
        NativeException e = assertThrows(NativeException.class, () -> EventFdCalls.eventfd(0, 0x40000000));
        assertEquals(Errno.EINVAL, e.errno());
    }
}
