package io.virtiofs.transport.vhostuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.SocketCalls;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetQueueNum;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SocketListenerTest {

    private Path dir;

    @BeforeEach
    void createDirectory() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "listener-");
    }

    @AfterEach
    void deleteDirectory() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    @Test
    void anExistingPathIsRefusedAndLeftAlone() throws IOException {
        Path taken = Files.writeString(dir.resolve("taken.sock"), "not a socket");
        IOException e = assertThrows(IOException.class, () -> SocketListener.bind(taken));
        assertEquals("vhost-user socket path " + taken + " exists already; remove it if no back-end uses it", e.getMessage());
        assertEquals("not a socket", Files.readString(taken));
    }

    @Test
    void aMissingDirectoryIsRefused() {
        Path path = dir.resolve("absent").resolve("s.sock");
        IOException e = assertThrows(IOException.class, () -> SocketListener.bind(path));
        assertEquals("the directory of vhost-user socket path " + path + " does not exist", e.getMessage());
    }

    @Test
    void theSocketFileLivesAsLongAsTheListener() throws Exception {
        Path path = dir.resolve("s.sock");
        try (SocketListener listener = SocketListener.bind(path)) {
            assertTrue(Files.exists(path));
            assertEquals(Optional.of(path), listener.path());
        }
        assertFalse(Files.exists(path));
    }

    @Test
    void acceptReturnsAConnectionOrStopsWhenTheStopDescriptorFires() throws Exception {
        Path path = dir.resolve("s.sock");
        int stop = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
        try (SocketListener listener = SocketListener.bind(path)) {
            int client = SocketCalls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC);
            SocketCalls.connect(client, path.toString());
            OptionalInt accepted = listener.accept(stop);
            assertTrue(accepted.isPresent());
            FileCalls.close(accepted.getAsInt());
            FileCalls.close(client);
            CompletableFuture<OptionalInt> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return listener.accept(stop);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            EventFdCalls.write(stop, 1);
            assertEquals(OptionalInt.empty(), waiting.get(10, TimeUnit.SECONDS));
        } finally {
            FileCalls.close(stop);
        }
    }

    @Test
    void anInheritedListeningSocketServesAndANonSocketIsRefused() throws Exception {
        Path path = dir.resolve("inherited.sock");
        int fd = SocketCalls.socket(SocketCalls.AF_UNIX, SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC);
        SocketCalls.bind(fd, path.toString());
        SocketCalls.listen(fd, 1);
        try (VhostUserBackend backend = VhostUserBackend.builder().listenFd(fd).tag("inherited")
                .handlerFactory(config -> new EchoHandler()).build()) {
            assertEquals(Optional.empty(), backend.socketPath());
            backend.start();
            try (GuestRam ram = new GuestRam("vu-inherit", 0, 1 << 16);
                 TestFrontEnd front = TestFrontEnd.connect(path, ram)) {
                assertEquals(2, front.u64(new GetQueueNum()));
            }
        }
        assertTrue(Files.exists(path), "an inherited socket's file is not ours to remove");
        Files.delete(path);

        int file = FileCalls.open(Files.createFile(dir.resolve("plain")).toString(), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
        try {
            assertThrows(IOException.class, () -> SocketListener.inherit(file));
        } finally {
            FileCalls.close(file);
        }
    }
}
