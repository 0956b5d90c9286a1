package io.virtiofs.transport.internal.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.api.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SocketCallsTest {

    private final List<Integer> open = new ArrayList<>();
    private Path dir;
    private Arena arena;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "socketcalls-");
        arena = Arena.ofConfined();
    }

    @AfterEach
    void tearDown() throws IOException {
        for (int fd : open) {
            try {
                FileCalls.close(fd);
            } catch (NativeException ignored) {
                // already closed by the test
            }
        }
        arena.close();
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    private int track(int fd) {
        open.add(fd);
        return fd;
    }

    private int[] pair() throws NativeException {
        int[] fds = SocketCalls.socketPair(SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC);
        track(fds[0]);
        track(fds[1]);
        return fds;
    }

    private MemorySegment bytes(String text) {
        return arena.allocateFrom(text);
    }

    @Test
    void dataAndDescriptorsTravelTogetherAndTheCopiesShareTheFile() throws Exception {
        int[] fds = pair();
        int event = track(EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK));
        int other = track(EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK));
        assertEquals(5, SocketCalls.sendMessage(fds[0], bytes("hello"), 5, event, other));

        MemorySegment buffer = arena.allocate(16);
        SocketCalls.Received received = SocketCalls.receiveMessage(fds[1], buffer, 16, 2);
        assertEquals(5, received.bytes());
        assertEquals(2, received.fdCount());
        assertFalse(received.controlTruncated());
        track(received.fd(0));
        track(received.fd(1));
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), buffer.asSlice(0, 5).toArray(ValueLayout.JAVA_BYTE));
        assertNotEquals(event, received.fd(0));

        EventFdCalls.write(received.fd(0), 3);
        EventFdCalls.write(received.fd(1), 4);
        assertEquals(3, EventFdCalls.read(event));
        assertEquals(4, EventFdCalls.read(other));
    }

    @Test
    void aMessageWithoutDescriptorsReceivesNone() throws Exception {
        int[] fds = pair();
        SocketCalls.sendMessage(fds[0], bytes("abc"), 3);
        MemorySegment buffer = arena.allocate(8);
        SocketCalls.Received received = SocketCalls.receiveMessage(fds[1], buffer, 8, 8);
        assertEquals(3, received.bytes());
        assertEquals(0, received.fdCount());
        assertFalse(received.controlTruncated());
    }

    @Test
    void oneDescriptorMoreThanAskedForArrivesSoTheCallerSeesTooMany() throws Exception {
        int[] fds = pair();
        int[] events = events(3);
        SocketCalls.sendMessage(fds[0], bytes("x"), 1, events);
        SocketCalls.Received received = SocketCalls.receiveMessage(fds[1], arena.allocate(4), 4, 2);
        for (int fd : received.fds()) {
            track(fd);
        }
        assertFalse(received.controlTruncated());
        assertEquals(3, received.fdCount());
    }

    @Test
    void descriptorsBeyondTheRoomAreDroppedAndReportedAsTruncated() throws Exception {
        int[] fds = pair();
        int[] events = events(5);
        SocketCalls.sendMessage(fds[0], bytes("x"), 1, events);
        SocketCalls.Received received = SocketCalls.receiveMessage(fds[1], arena.allocate(4), 4, 2);
        for (int fd : received.fds()) {
            track(fd);
        }
        assertTrue(received.controlTruncated());
        // Room for 3 descriptors rounds up to CMSG_SPACE(12) = 32 bytes, which holds 4.
        assertEquals(4, received.fdCount());
        assertEquals(1, received.bytes());
    }

    private int[] events(int count) throws NativeException {
        int[] events = new int[count];
        for (int i = 0; i < count; i++) {
            events[i] = track(EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC));
        }
        return events;
    }

    @Test
    void receiveReturnsZeroAfterThePeerClosed() throws Exception {
        int[] fds = pair();
        FileCalls.close(fds[0]);
        open.remove(Integer.valueOf(fds[0]));
        SocketCalls.Received received = SocketCalls.receiveMessage(fds[1], arena.allocate(4), 4, 1);
        assertEquals(0, received.bytes());
        assertEquals(0, received.fdCount());
    }

    @Test
    void sendingToAClosedPeerFailsWithEpipeAndNoSignal() throws Exception {
        int[] fds = pair();
        FileCalls.close(fds[1]);
        open.remove(Integer.valueOf(fds[1]));
        NativeException e = assertThrows(NativeException.class, () -> SocketCalls.sendMessage(fds[0], bytes("x"), 1));
        assertEquals(Errno.EPIPE, e.errno());
        assertEquals("sendmsg", e.call());
    }

    @Test
    void shutdownMakesThePeerSeeEndOfStream() throws Exception {
        int[] fds = pair();
        SocketCalls.shutdown(fds[0], SocketCalls.SHUT_RDWR);
        assertEquals(0, SocketCalls.receiveMessage(fds[1], arena.allocate(4), 4, 0).bytes());
    }

    @Test
    void listenAcceptConnectThroughAPath() throws Exception {
        String path = dir.resolve("s.sock").toString();
        int listener = track(SocketCalls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC));
        assertFalse(SocketCalls.isListeningStreamSocket(listener));
        SocketCalls.bind(listener, path);
        SocketCalls.listen(listener, 1);
        assertTrue(SocketCalls.isListeningStreamSocket(listener));
        assertTrue(Files.exists(Path.of(path)));

        int client = track(SocketCalls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC));
        SocketCalls.connect(client, path);
        int server = track(SocketCalls.accept4(listener, SocketCalls.SOCK_CLOEXEC));
        SocketCalls.sendMessage(client, bytes("ping"), 4);
        MemorySegment buffer = arena.allocate(8);
        assertEquals(4, SocketCalls.receiveMessage(server, buffer, 8, 0).bytes());
        assertEquals("ping", buffer.getString(0));
    }

    @Test
    void bindingAnExistingPathFailsWithEaddrinuseNamingThePath() throws Exception {
        Path path = Files.createFile(dir.resolve("taken"));
        int fd = track(SocketCalls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC));
        NativeException e = assertThrows(NativeException.class, () -> SocketCalls.bind(fd, path.toString()));
        assertEquals(Errno.EADDRINUSE, e.errno());
        assertEquals("bind " + path + " failed: EADDRINUSE (Address already in use)", e.getMessage());
    }

    @Test
    void connectingToNothingFailsWithEnoent() throws Exception {
        int fd = track(SocketCalls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC));
        NativeException e = assertThrows(NativeException.class,
                () -> SocketCalls.connect(fd, dir.resolve("absent").toString()));
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    void pathsThatDoNotFitSunPathAreRefusedBeforeTheCall() throws Exception {
        int fd = track(SocketCalls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC));
        String longest = "/tmp/" + "a".repeat(SocketCalls.MAX_PATH_BYTES - 5);
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> SocketCalls.bind(fd, longest + "b"));
        assertEquals("socket path \"" + longest + "b\" is 108 bytes; a Unix socket path has 1..107", tooLong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SocketCalls.bind(fd, ""));
        assertThrows(IllegalArgumentException.class, () -> SocketCalls.bind(fd, "/tmp/a\0b"));
    }

    @Test
    void aPlainFileIsNotAListeningSocket() throws Exception {
        int fd = track(FileCalls.open(Files.createFile(dir.resolve("f")).toString(), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0));
        NativeException e = assertThrows(NativeException.class, () -> SocketCalls.isListeningStreamSocket(fd));
        assertEquals(Errno.ENOTSOCK, e.errno());
    }
}
