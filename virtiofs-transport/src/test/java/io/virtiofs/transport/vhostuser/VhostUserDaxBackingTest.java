package io.virtiofs.transport.vhostuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.DaxMapping;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.MappingSource;
import io.virtiofs.transport.device.DaxWindowTable;
import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.internal.nativeio.SocketCalls;
import io.virtiofs.transport.vhostuser.FakeShmemFrontEnd.Mode;
import io.virtiofs.transport.vhostuser.FakeShmemFrontEnd.Request;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DAX window over the vhost-user back-end channel, against a fake front-end on a socketpair
 * that behaves as QEMU 11.1 does (and, in turn, refuses, stays silent, answers late, closes).
 */
class VhostUserDaxBackingTest {

    private static final long MIB = 1 << 20;
    private static final long WINDOW = 64 * MIB;
    private static final Duration TIMEOUT = Duration.ofMillis(300);

    private Set<Integer> fdsBefore;
    private VhostUserDaxBacking backing;
    private DaxWindowTable window;
    private FakeShmemFrontEnd front;
    private int file;
    private MemorySegment fileView;

    @BeforeEach
    void setUp() throws Exception {
        fdsBefore = OpenFds.now();
        backing = new VhostUserDaxBacking(WINDOW, TIMEOUT);
        window = new DaxWindowTable(backing);
        int[] pair = SocketCalls.socketPair(SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC);
        backing.attach(new BackEndChannel(pair[0], TIMEOUT));
        front = new FakeShmemFrontEnd(pair[1]);
        // A 16 MiB file whose every 2 MiB starts with its own index.
        file = MemoryCalls.memfdCreate("dax-file", MemoryCalls.MFD_CLOEXEC);
        MemoryCalls.ftruncate(file, 16 * MIB);
        fileView = MemoryCalls.mmap(0, 16 * MIB, MemoryCalls.PROT_READ | MemoryCalls.PROT_WRITE, MemoryCalls.MAP_SHARED,
                file, 0);
        for (long i = 0; i < 8; i++) {
            fileView.set(ValueLayout.JAVA_LONG_UNALIGNED, i * 2 * MIB, 1000 + i);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        backing.detach();
        front.close();
        MemoryCalls.munmap(fileView.address(), fileView.byteSize());
        MemoryCalls.close(file);
        Set<Integer> leaked = new HashSet<>(OpenFds.now());
        leaked.removeAll(fdsBefore);
        assertEquals(Set.of(), leaked, "descriptors left open: " + OpenFds.describe(leaked));
    }

    private DaxMapping mapping(long windowOffset, long length, long fileOffset, boolean writable) {
        return new DaxMapping(windowOffset, length, new MappingSource.FileDescriptor(file), fileOffset, writable);
    }

    private static void assertRequest(Request request, int code, long fileOffset, long windowOffset, long length,
                                      long flags) {
        assertEquals(List.of(code, 0, fileOffset, windowOffset, length, flags),
                List.of(request.code(), request.shmid(), request.fileOffset(), request.windowOffset(), request.length(),
                        request.flags()), "request " + request);
    }

    @Test
    void aMappingIsSentWithTheFilesDescriptorAndItsRemovalUnmapsExactlyIt() throws Exception {
        window.map(mapping(4 * MIB, 2 * MIB, 6 * MIB, true));
        Request map = front.next();
        assertRequest(map, BackEndChannel.SHMEM_MAP, 6 * MIB, 4 * MIB, 2 * MIB, BackEndChannel.MAP_RW);
        assertEquals(1003, map.firstWord(), "the front-end maps the file's descriptor at the file offset");

        window.map(mapping(0, 2 * MIB, 0, false));
        Request readOnly = front.next();
        assertRequest(readOnly, BackEndChannel.SHMEM_MAP, 0, 0, 2 * MIB, 0);
        assertEquals(1000, readOnly.firstWord());

        window.unmap(4 * MIB, 2 * MIB);
        assertRequest(front.next(), BackEndChannel.SHMEM_UNMAP, 0, 4 * MIB, 2 * MIB, 0);
        assertEquals(new TreeMap<>(java.util.Map.of(0L, 2 * MIB)), front.held);
        assertEquals(1, backing.frontEndMappings());
        assertEquals(2, backing.mapRequests());
        assertEquals(1, backing.unmapRequests());
    }

    @Test
    void anOverlappingMappingReplacesTheOverlappedPartAndKeepsTheRestMapped() throws Exception {
        window.map(mapping(0, 6 * MIB, 0, true));
        front.next();
        window.map(mapping(2 * MIB, 2 * MIB, 10 * MIB, false));
        assertRequest(front.next(), BackEndChannel.SHMEM_UNMAP, 0, 0, 6 * MIB, 0);
        Request head = front.next();
        assertRequest(head, BackEndChannel.SHMEM_MAP, 0, 0, 2 * MIB, BackEndChannel.MAP_RW);
        Request tail = front.next();
        assertRequest(tail, BackEndChannel.SHMEM_MAP, 4 * MIB, 4 * MIB, 2 * MIB, BackEndChannel.MAP_RW);
        assertEquals(1002, tail.firstWord(), "the tail keeps its place in the file");
        Request middle = front.next();
        assertRequest(middle, BackEndChannel.SHMEM_MAP, 10 * MIB, 2 * MIB, 2 * MIB, 0);
        assertEquals(1005, middle.firstWord());
        assertEquals(List.of(0L, 2 * MIB, 4 * MIB), List.copyOf(front.held.keySet()));
        assertEquals(3, window.mappings().size());

        // The same range again (the driver upgrading a mapping to writable): unmapped, then mapped.
        window.map(mapping(2 * MIB, 2 * MIB, 10 * MIB, true));
        assertRequest(front.next(), BackEndChannel.SHMEM_UNMAP, 0, 2 * MIB, 2 * MIB, 0);
        assertRequest(front.next(), BackEndChannel.SHMEM_MAP, 10 * MIB, 2 * MIB, 2 * MIB, BackEndChannel.MAP_RW);

        // Removing a range across two mappings and a hole keeps the part outside it.
        window.unmap(MIB, 8 * MIB);
        assertRequest(front.next(), BackEndChannel.SHMEM_UNMAP, 0, 0, 2 * MIB, 0);
        assertRequest(front.next(), BackEndChannel.SHMEM_MAP, 0, 0, MIB, BackEndChannel.MAP_RW);
        assertRequest(front.next(), BackEndChannel.SHMEM_UNMAP, 0, 2 * MIB, 2 * MIB, 0);
        assertRequest(front.next(), BackEndChannel.SHMEM_UNMAP, 0, 4 * MIB, 2 * MIB, 0);
        assertEquals(new TreeMap<>(java.util.Map.of(0L, MIB)), front.held);
    }

    @Test
    void theWindowsEndIsReachableAndOneByteBeyondIsEinvalWithoutAMessage() throws Exception {
        window.map(mapping(WINDOW - 2 * MIB, 2 * MIB, 0, true));
        assertRequest(front.next(), BackEndChannel.SHMEM_MAP, 0, WINDOW - 2 * MIB, 2 * MIB, BackEndChannel.MAP_RW);
        long page = MemoryCalls.pageSize();
        ErrnoException beyond = assertThrows(ErrnoException.class, () -> window.map(mapping(WINDOW - 2 * MIB, 2 * MIB + page,
                0, true)));
        assertEquals(Errno.EINVAL, beyond.errno());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> window.unmap(WINDOW, page)).errno());
        assertEquals(1, backing.mapRequests() + backing.unmapRequests(), "nothing was sent for the refused ranges");
    }

    @Test
    void removingWhatWasNeverMappedSendsNothingAndSucceeds() throws Exception {
        window.unmap(0, 8 * MIB);
        window.unmap(WINDOW - 2 * MIB, 2 * MIB);
        assertEquals(0, backing.unmapRequests());
        assertTrue(front.requests.isEmpty());
    }

    @Test
    void aRefusedMappingIsEioAndTheNextOneWorks() throws Exception {
        front.mode = Mode.REFUSE;
        assertEquals(Errno.EIO, assertThrows(ErrnoException.class, () -> window.map(mapping(0, 2 * MIB, 0, true))).errno());
        front.next();
        assertEquals(List.of(), window.mappings());
        front.mode = Mode.QEMU;
        window.map(mapping(0, 2 * MIB, 0, true));
        front.next();
        assertEquals(1, window.mappings().size());
        assertEquals(1, backing.failures());
    }

    @Test
    void anUnansweredMappingTimesOutAndItsLateAnswerDoesNotConfuseTheNext() throws Exception {
        front.mode = Mode.SILENT;
        long start = System.nanoTime();
        assertEquals(Errno.ETIMEDOUT,
                assertThrows(ErrnoException.class, () -> window.map(mapping(0, 2 * MIB, 0, true))).errno());
        assertTrue(System.nanoTime() - start >= TIMEOUT.toNanos(), "waited for the timeout");
        front.next();
        front.answerLate();
        // The mapping's outcome was unknown: the next one over it unmaps it first.
        window.map(mapping(0, 2 * MIB, 2 * MIB, true));
        assertRequest(front.next(), BackEndChannel.SHMEM_UNMAP, 0, 0, 2 * MIB, 0);
        assertRequest(front.next(), BackEndChannel.SHMEM_MAP, 2 * MIB, 0, 2 * MIB, BackEndChannel.MAP_RW);
        assertEquals(new TreeMap<>(java.util.Map.of(0L, 2 * MIB)), front.held);
    }

    @Test
    void aMappingTheFrontEndDroppedIsMappedAgainAfterItsUnmapIsRefused() throws Exception {
        window.map(mapping(0, 2 * MIB, 0, true));
        front.next();
        synchronized (front.held) {
            front.held.clear(); // as QEMU does at a device reset
        }
        window.map(mapping(0, 2 * MIB, 2 * MIB, true));
        assertRequest(front.next(), BackEndChannel.SHMEM_UNMAP, 0, 0, 2 * MIB, 0);
        assertRequest(front.next(), BackEndChannel.SHMEM_MAP, 2 * MIB, 0, 2 * MIB, BackEndChannel.MAP_RW);
        assertEquals(0, backing.failures());
        backing.deviceReset();
        assertEquals(0, backing.frontEndMappings());
    }

    @Test
    void aClosedChannelIsEnotconnForThisAndEveryLaterRequest() throws Exception {
        front.mode = Mode.CLOSE;
        assertEquals(Errno.ENOTCONN,
                assertThrows(ErrnoException.class, () -> window.map(mapping(0, 2 * MIB, 0, true))).errno());
        assertEquals(Errno.ENOTCONN,
                assertThrows(ErrnoException.class, () -> window.map(mapping(0, 2 * MIB, 0, true))).errno());
    }

    @Test
    void withoutABackEndChannelMappingIsEnotconn() {
        VhostUserDaxBacking alone = new VhostUserDaxBacking(WINDOW, TIMEOUT);
        DaxWindowTable table = new DaxWindowTable(alone);
        assertEquals(Errno.ENOTCONN,
                assertThrows(ErrnoException.class, () -> table.map(mapping(0, 2 * MIB, 0, true))).errno());
    }

    @Test
    void thousandsOfMappingsChurnWithoutLeakingDescriptors() throws Exception {
        long slots = WINDOW / (2 * MIB);
        java.util.Random random = new java.util.Random(0x5eedL);
        for (int i = 0; i < 3000; i++) {
            long slot = random.nextLong(slots);
            if (random.nextInt(4) == 0) {
                window.unmap(slot * 2 * MIB, 2 * MIB);
            } else {
                window.map(mapping(slot * 2 * MIB, 2 * MIB, random.nextLong(8) * 2 * MIB, random.nextBoolean()));
            }
        }
        assertEquals(front.held.size(), backing.frontEndMappings());
        assertEquals(window.mappings().size(), front.held.size());
        assertEquals(0, backing.failures());
    }

    @Test
    void windowSizesMustBePowersOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new VhostUserDaxBacking(96 * MIB, TIMEOUT));
        assertEquals(8L << 30, new VhostUserDaxBacking(8L << 30, TIMEOUT).size());
    }
}
