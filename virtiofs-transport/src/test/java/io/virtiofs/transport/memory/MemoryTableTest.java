package io.virtiofs.transport.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class MemoryTableTest {

    @Test
    void replacedRegionIsUnmappedOnlyAfterTheLastWorkerLetGo() throws Exception {
        int fd = MemoryCalls.memfdCreate("virtiofs-test-guest", MemoryCalls.MFD_CLOEXEC);
        try (Arena arena = Arena.ofShared(); MemoryTable table = new MemoryTable()) {
            MemoryCalls.ftruncate(fd, 2 * 4096);
            GuestRegion kept = GuestRegion.ofSegment(0, arena.allocate(4096, 4096));
            GuestRegion mapped = GuestRegion.mapFile(0x10_0000, 4096, 0x7f00_0000_0000L, fd, 4096);
            assertEquals(0x7f00_0000_0000L, mapped.userAddress());

            GuestMemory first = GuestMemory.of(kept, mapped);
            table.replace(first);
            GuestMemory worker = table.acquire();
            assertSame(first, worker);
            worker.segment(0x10_0008, 8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x0102030405060708L);

            CompletableFuture<Void> drained = table.replace(GuestMemory.of(kept));
            assertNotSame(first, table.peek());
            assertFalse(drained.isDone(), "a worker still reads the old snapshot");
            assertFalse(mapped.isReleased());
            // The worker still reads the old mapping safely.
            assertEquals(0x0102030405060708L, worker.segment(0x10_0008, 8).get(ValueLayout.JAVA_LONG_UNALIGNED, 0));

            GuestMemory next = table.acquire();
            assertThrows(GuestMemoryException.class, () -> next.segment(0x10_0000, 1), "the new map lacks the region");
            next.release();

            worker.release();
            drained.get(5, TimeUnit.SECONDS);
            assertTrue(mapped.isReleased(), "dropped region unmapped after drain");
            assertFalse(kept.isReleased(), "a region the new map keeps stays");

            // The bytes went to the file: map it again and read them back.
            GuestRegion again = GuestRegion.mapFile(0, 4096, 0, fd, 4096);
            assertEquals(0x0102030405060708L, again.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
            again.close();
            assertTrue(again.isReleased());
        } finally {
            MemoryCalls.close(fd);
        }
    }

    @Test
    void twoMappingsOfOneFileShareBytes() throws Exception {
        int fd = MemoryCalls.memfdCreate("virtiofs-test-shared", MemoryCalls.MFD_CLOEXEC);
        try {
            MemoryCalls.ftruncate(fd, 4096);
            try (GuestRegion a = GuestRegion.mapFile(0, 4096, 0, fd, 0);
                 GuestRegion b = GuestRegion.mapFile(0x1000, 4096, 0, fd, 0)) {
                byte[] bytes = {1, 2, 3, 4, 5, 6, 7, 8};
                MemorySegment.copy(bytes, 0, a.segment(), ValueLayout.JAVA_BYTE, 100, bytes.length);
                assertArrayEquals(bytes, b.segment().asSlice(100, 8).toArray(ValueLayout.JAVA_BYTE));
            }
        } finally {
            MemoryCalls.close(fd);
        }
    }

    @Test
    void mapFileRefusesBadArgumentsWithTheErrno() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> GuestRegion.mapFile(0, 4096, 0, 0, 100));
        var failure = assertThrows(java.io.IOException.class, () -> GuestRegion.mapFile(0, 4096, 0, 9999, 0));
        assertTrue(failure.getMessage().contains("EBADF"), failure.getMessage());
    }

    @Test
    void acquireAlwaysReturnsTheNewestSnapshotUnderConcurrentReplacement() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemoryTable table = new MemoryTable();
            GuestRegion region = GuestRegion.ofSegment(0, arena.allocate(4096, 4096));
            CountDownLatch done = new CountDownLatch(1);
            Thread reader = Thread.ofPlatform().start(() -> {
                while (done.getCount() > 0) {
                    GuestMemory memory = table.acquire();
                    try {
                        if (!memory.regions().isEmpty()) {
                            memory.segment(0, 8).get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                        }
                    } finally {
                        memory.release();
                    }
                }
            });
            CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
            for (int i = 0; i < 2000; i++) {
                last = table.replace(GuestMemory.of(region));
            }
            done.countDown();
            reader.join();
            last.get(5, TimeUnit.SECONDS);
            assertFalse(region.isReleased(), "the current snapshot still holds the region");
            table.close();
            assertTrue(region.isReleased(), "closing the table retires the last snapshot");
        }
    }
}
