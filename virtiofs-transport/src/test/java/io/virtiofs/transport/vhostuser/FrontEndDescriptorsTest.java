package io.virtiofs.transport.vhostuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetMemTable;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringCall;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringErr;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringKick;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Descriptors a front-end sends are checked as they arrive: a kick, call or err that is not an
 * eventfd, and memory that is not a regular file or that could shrink under the back-end, are
 * refused with a failure status; the back-end and its queue threads live on.
 */
@Timeout(60)
class FrontEndDescriptorsTest {

    private Path dir;
    private Path socket;
    private Set<Integer> fdsBefore;
    private final EchoHandler handler = new EchoHandler();
    private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    private Thread.UncaughtExceptionHandler previousHandler;
    private VhostUserBackend backend;
    private GuestRam ram;
    private TestFrontEnd front;
    private final List<Integer> opened = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        previousHandler = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
        dir = Files.createTempDirectory(Path.of("/tmp"), "vhostuser-fds-");
        socket = dir.resolve("vfs.sock");
        fdsBefore = OpenFds.now();
        backend = VhostUserBackend.builder().socketPath(socket).tag("fds").requestQueues(1).queueSize(256)
                .handlerFactory(config -> handler).build();
        backend.start();
        ram = new GuestRam("vu-fds", 0x1000_0000L, 1 << 20);
        front = TestFrontEnd.connect(socket, ram);
    }

    @AfterEach
    void tearDown() throws IOException {
        front.close();
        backend.close();
        ram.close();
        for (int fd : opened) {
            FileCalls.close(fd);
        }
        Thread.setDefaultUncaughtExceptionHandler(previousHandler);
        Set<Integer> leaked = new HashSet<>(OpenFds.now());
        leaked.removeAll(fdsBefore);
        assertEquals(Set.of(), leaked, "descriptors left open: " + OpenFds.describe(leaked));
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
        assertEquals(List.of(), uncaught, "a thread died of an uncaught exception");
    }

    private int track(int fd) {
        opened.add(fd);
        return fd;
    }

    /** Descriptors of every kind that is not an eventfd: a memfd, a regular file, a pipe's end. */
    private List<Integer> notEventFds() throws Exception {
        int memfd = track(MemoryCalls.memfdCreate("not-an-eventfd", MemoryCalls.MFD_CLOEXEC));
        MemoryCalls.ftruncate(memfd, 4096);
        Path file = Files.writeString(dir.resolve("plain-file"), "kick");
        int regular = track(FileCalls.open(file.toString(), FileCalls.O_RDWR | FileCalls.O_CLOEXEC, 0));
        int directory = track(FileCalls.open(dir.toString(), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY
                | FileCalls.O_CLOEXEC, 0));
        return List.of(memfd, regular, directory);
    }

    private void assertStillServing() throws Exception {
        assertEquals((1L << 32) | (7L << 28), front.u64(new GetFeatures()));
    }

    @Test
    void kickCallAndErrDescriptorsThatAreNotEventfdsAreRefused() throws Exception {
        for (int fd : notEventFds()) {
            assertEquals(1, front.ack(new SetVringKick(0, false), fd), "kick " + describe(fd));
            assertEquals(1, front.ack(new SetVringCall(0, false), fd), "call " + describe(fd));
            assertEquals(1, front.ack(new SetVringErr(0, false), fd), "err " + describe(fd));
        }
        assertStillServing();
        front.handshake(2, 64, false);
        byte[] body = {4, 2};
        assertArrayEquals(VhostUserBackendTest.echoReply(9, body), front.exchange(1, 15, 9, body));
    }

    @Test
    void aQueueWhoseKickWasRefusedDoesNotStartAndNoThreadDies() throws Exception {
        front.handshake(2, 64, false);
        int memfd = notEventFds().get(0);
        assertEquals(1, front.ack(new SetVringKick(1, false), memfd));
        // The ring keeps its good kick: requests are still served.
        byte[] body = {1};
        assertArrayEquals(VhostUserBackendTest.echoReply(11, body), front.exchange(1, 15, 11, body));
        Thread.sleep(200);
        assertEquals(0, front.u64(new FrontEndMessage.GetStatus()) & 0x40, "no DEVICE_NEEDS_RESET");
    }

    @Test
    void aCallEventfdAtItsLimitDoesNotBlockTheQueue() throws Exception {
        front.handshake(2, 64, false);
        // A blocking call eventfd whose counter the front-end filled: a write of 1 would wait
        // until someone reads it, and the front-end never does.
        int full = track(EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC));
        EventFdCalls.write(full, 0xffff_ffff_ffff_fffeL);
        assertEquals(0, front.ack(new SetVringCall(1, false), full));
        for (int i = 0; i < 3; i++) {
            byte[] body = {(byte) i};
            Optional<byte[]> reply = front.exchangeWithoutCall(1, 15, 20 + i, body, 5_000);
            assertTrue(reply.isPresent(), "request " + i + " was not completed: the queue is stuck signalling");
            assertArrayEquals(VhostUserBackendTest.echoReply(20 + i, body), reply.get());
        }
    }

    @Test
    void memoryThatCanShrinkIsRefusedUnlessTheFrontEndLetsItBeSealed() throws Exception {
        try (GuestRam unsealable = new GuestRam("unsealable", 0x1000_0000L, 1 << 20, false)) {
            assertEquals(1, front.ack(new SetMemTable(List.of(unsealable.region())), unsealable.fd),
                    "a memfd that allows no seals");
        }
        Path file = dir.resolve("ram-file");
        int regular = track(FileCalls.open(file.toString(), FileCalls.O_RDWR | FileCalls.O_CREAT | FileCalls.O_CLOEXEC,
                0600));
        MemoryCalls.ftruncate(regular, 1 << 20);
        assertEquals(1, front.ack(new SetMemTable(List.of(new MemoryRegion(0x1000_0000L, 1 << 20, 0x7000_0000L, 0))),
                regular), "a regular file can always shrink");
        int pipeLike = track(EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC));
        assertEquals(1, front.ack(new SetMemTable(List.of(new MemoryRegion(0x1000_0000L, 4096, 0x7000_0000L, 0))),
                pipeLike), "not a file at all");
        // A memfd that allows sealing is sealed against shrinking, and then accepted.
        int sealable = track(MemoryCalls.memfdCreate("sealable", MemoryCalls.MFD_CLOEXEC | MemoryCalls.MFD_ALLOW_SEALING));
        MemoryCalls.ftruncate(sealable, 1 << 20);
        assertEquals(0, front.ack(new SetMemTable(List.of(new MemoryRegion(0x1000_0000L, 1 << 20, 0x7000_0000L, 0))),
                sealable));
        NativeException refused = org.junit.jupiter.api.Assertions.assertThrows(NativeException.class,
                () -> MemoryCalls.ftruncate(sealable, 4096), "the memory can no longer shrink");
        assertEquals(Errno.EPERM, refused.errno());
        MemoryCalls.ftruncate(sealable, 2 << 20); // growing is still the front-end's business
        assertStillServing();
    }

    private static String describe(int fd) {
        try {
            return fd + " (" + Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)) + ")";
        } catch (IOException e) {
            return String.valueOf(fd);
        }
    }
}
