package io.virtiofs.transport.vhostuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.transport.vhostuser.BackEndReply.ConfigReply;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetConfig;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetProtocolFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetQueueNum;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetStatus;
import io.virtiofs.transport.vhostuser.FrontEndMessage.RemMemReg;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VhostUserBackendTest {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Path dir;
    private Path socket;
    private Set<Integer> fdsBefore;
    private final EchoHandler handler = new EchoHandler();
    private VhostUserBackend backend;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "vhostuser-");
        socket = dir.resolve("vfs.sock");
        fdsBefore = OpenFds.now();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (backend != null) {
            backend.close();
        }
        assertFalse(Files.exists(socket), "the socket file is removed");
        Set<Integer> leaked = new HashSet<>(OpenFds.now());
        leaked.removeAll(fdsBefore);
        assertEquals(Set.of(), leaked, "descriptors left open: " + OpenFds.describe(leaked));
        Files.delete(dir);
    }

    private VhostUserBackend start(int requestQueues, boolean reconnect, FuseRequestHandler requestHandler)
            throws IOException {
        backend = VhostUserBackend.builder().socketPath(socket).tag("myfs").requestQueues(requestQueues)
                .queueSize(256).reconnect(reconnect).handlerFactory(config -> requestHandler).build();
        backend.start();
        return backend;
    }

    /** How many mappings of the memfd called {@code name} this process has. */
    static long mappings(String name) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("/memfd:" + name + " ")).count();
    }

    static byte[] echoReply(long unique, byte[] body) {
        MemorySegment out = MemorySegment.ofArray(new byte[EchoHandler.OUT_HEADER + body.length]);
        out.set(ValueLayout.JAVA_INT_UNALIGNED, 0, EchoHandler.OUT_HEADER + body.length);
        out.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, unique);
        MemorySegment.copy(body, 0, out, ValueLayout.JAVA_BYTE, EchoHandler.OUT_HEADER, body.length);
        return out.toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void handshakeThenRequestsOnEveryQueueAreAnsweredAndTheRingsReportTheirBase() throws Exception {
        start(2, true, handler);
        try (GuestRam ram = new GuestRam("vu-basic", 0x4000_0000L, 4 << 20)) {
            try (TestFrontEnd front = TestFrontEnd.connect(socket, ram)) {
                assertEquals((1L << 32) | (1L << 28) | (1L << 29) | (1L << 30), front.u64(new GetFeatures()));
                assertEquals(0b1_1010_0010_0000_1001L, front.u64(new GetProtocolFeatures()));
                assertEquals(3, front.u64(new GetQueueNum()));
                front.channel.send(new GetConfig(new DeviceConfig(0, 0, new byte[40])), false);
                ConfigReply config = (ConfigReply) front.channel.receiveReply();
                byte[] expected = new byte[40];
                System.arraycopy("myfs".getBytes(StandardCharsets.US_ASCII), 0, expected, 0, 4);
                expected[36] = 2;
                assertEquals(Optional.of(new DeviceConfig(0, 0, expected)), config.config());

                front.handshake(3, 256, false);
                assertEquals(2, mappings("vu-basic"), "the back-end mapped the guest RAM");
                assertEquals(0x1 | 0x2 | 0x4 | 0x8, front.u64(new GetStatus()));
                for (int queue = 0; queue < 3; queue++) {
                    for (int i = 0; i < 5; i++) {
                        byte[] body = ("request " + i + " on queue " + queue).getBytes(StandardCharsets.US_ASCII);
                        long unique = 1000L * queue + i;
                        assertArrayEquals(echoReply(unique, body), front.exchange(queue, 15, unique, body),
                                "queue " + queue + " request " + i);
                    }
                }
                assertArrayEquals(new byte[0], front.exchange(1, EchoHandler.FORGET, 77, new byte[8]), "FORGET: no reply");
                assertEquals(5, front.stopRing(0));
                assertEquals(6, front.stopRing(1));
                assertEquals(5, front.stopRing(2));
                assertEquals(16, handler.requests.get());
            }
            assertTrue(backend.awaitSessionsEnded(1, TIMEOUT));
            assertTrue(handler.sessionsEnded.tryAcquire(1, 10, TimeUnit.SECONDS), "the handler heard the session end");
            assertEquals(1, mappings("vu-basic"), "the back-end unmapped the guest RAM");
        }
    }

    @Test
    void runUntilStoppedServesAFileSystemUntilSigterm() throws Exception {
        backend = VhostUserBackend.builder().socketPath(socket).tag("myfs").fileSystem(new io.virtiofs.api.FileSystem() {
        }).build();
        java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Void> running = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                backend.runUntilStopped(ready::countDown);
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        assertTrue(ready.await(10, TimeUnit.SECONDS), "ready never ran");
        assertTrue(Files.exists(socket), "listening");
        sun.misc.Signal.raise(new sun.misc.Signal("TERM"));
        running.get(10, TimeUnit.SECONDS);
        assertTrue(backend.awaitTermination(Duration.ZERO));
        assertFalse(Files.exists(socket), "the socket file is removed");
    }

    @Test
    void aStoppedRingRestartsAtItsBaseWithNewEventfds() throws Exception {
        start(1, true, handler);
        try (GuestRam ram = new GuestRam("vu-restart", 0, 4 << 20);
             TestFrontEnd front = TestFrontEnd.connect(socket, ram)) {
            front.handshake(2, 64, false);
            byte[] body = {1, 2, 3};
            assertArrayEquals(echoReply(1, body), front.exchange(1, 15, 1, body));
            assertEquals(1, front.stopRing(1));
            front.startRing(1, 1);
            assertArrayEquals(echoReply(2, body), front.exchange(1, 15, 2, body));
            assertEquals(2, front.stopRing(1));
        }
        assertTrue(backend.awaitSessionsEnded(1, TIMEOUT));
    }

    @Test
    void memorySlotsAddAndRemoveRegions() throws Exception {
        start(1, true, handler);
        try (GuestRam ram = new GuestRam("vu-slots", 0x1_0000_0000L, 2 << 20);
             GuestRam extra = new GuestRam("vu-slots-extra", 0x2_0000_0000L, 1 << 20);
             TestFrontEnd front = TestFrontEnd.connect(socket, ram)) {
            front.handshake(2, 128, true);
            byte[] body = "slots".getBytes(StandardCharsets.US_ASCII);
            assertArrayEquals(echoReply(9, body), front.exchange(1, 15, 9, body));
            assertEquals(0, front.ack(new FrontEndMessage.AddMemReg(extra.region()), extra.fd));
            assertEquals(2, mappings("vu-slots-extra"));
            assertEquals(0, front.ack(new RemMemReg(extra.region())));
            assertEquals(1, mappings("vu-slots-extra"), "the removed region is unmapped when the removal is acknowledged");
            assertArrayEquals(echoReply(10, body), front.exchange(1, 15, 10, body));
            assertEquals(1, front.ack(new RemMemReg(extra.region())), "removing it again fails");
        }
        assertTrue(backend.awaitSessionsEnded(1, TIMEOUT));
    }

    @Test
    void theNextFrontEndIsServedAfterADisconnectAndNothingLeaks() throws Exception {
        start(1, true, handler);
        Set<Integer> afterFirst = null;
        for (int round = 1; round <= 3; round++) {
            try (GuestRam ram = new GuestRam("vu-reconnect", 0, 2 << 20)) {
                try (TestFrontEnd front = TestFrontEnd.connect(socket, ram)) {
                    front.handshake(2, 128, round == 2);
                    byte[] body = HexFormat.of().parseHex("00112233");
                    assertArrayEquals(echoReply(round, body), front.exchange(1, 15, round, body));
                }
                assertTrue(backend.awaitSessionsEnded(round, TIMEOUT), "session " + round + " ended");
                assertTrue(handler.sessionsEnded.tryAcquire(1, 10, TimeUnit.SECONDS));
                assertEquals(1, mappings("vu-reconnect"));
            }
            if (afterFirst == null) {
                afterFirst = OpenFds.now();
            } else {
                assertEquals(afterFirst, OpenFds.now(), "round " + round + " leaks nothing");
            }
        }
    }

    @Test
    void withoutReconnectServeEndsWhenTheFrontEndLeaves() throws Exception {
        start(1, false, handler);
        try (GuestRam ram = new GuestRam("vu-once", 0, 1 << 20);
             TestFrontEnd front = TestFrontEnd.connect(socket, ram)) {
            front.handshake(2, 64, false);
        }
        assertTrue(backend.awaitTermination(TIMEOUT));
        assertFalse(Files.exists(socket));
        assertTrue(handler.sessionsEnded.tryAcquire(1, 10, TimeUnit.SECONDS));
    }

    @Test
    void closingTheBackEndEndsAConnectedSession() throws Exception {
        start(1, true, handler);
        try (GuestRam ram = new GuestRam("vu-close", 0, 1 << 20);
             TestFrontEnd front = TestFrontEnd.connect(socket, ram)) {
            front.handshake(2, 64, false);
            backend.close();
            assertTrue(backend.awaitTermination(Duration.ZERO));
            assertTrue(handler.sessionsEnded.tryAcquire(1, 10, TimeUnit.SECONDS));
            assertEquals(1, mappings("vu-close"));
            assertEquals(ProtocolFault.TRUNCATED, assertThrows(VhostUserProtocolException.class,
                    front.channel::receiveReply).fault(), "the back-end closed the connection");
        }
    }

    @Test
    void aBackEndWithADaxWindowOffersSharedMemoryAndTakesTheBackEndChannel() throws Exception {
        backend = VhostUserBackend.builder().socketPath(socket).tag("myfs").queueSize(256)
                .daxWindowSize(256L << 20).handlerFactory(config -> {
                    assertTrue(config.daxWindow().isPresent(), "the handler sees the window");
                    assertEquals(256L << 20, config.daxWindow().get().size());
                    return handler;
                }).build();
        backend.start();
        try (GuestRam ram = new GuestRam("vu-dax", 0, 4 << 20);
             TestFrontEnd front = TestFrontEnd.connect(socket, ram)) {
            assertEquals(1L << 22, ProtocolFeature.SHMEM.mask(), "QEMU 11.1's VHOST_USER_PROTOCOL_F_SHMEM_MAP");
            long protocol = front.u64(new FrontEndMessage.GetProtocolFeatures());
            long wanted = ProtocolFeature.SHMEM.mask() | ProtocolFeature.BACKEND_REQ.mask()
                    | ProtocolFeature.BACKEND_SEND_FD.mask() | ProtocolFeature.REPLY_ACK.mask();
            assertEquals(wanted, protocol & wanted, ProtocolFeature.describe(protocol));
            assertEquals(0, front.ack(new FrontEndMessage.SetProtocolFeatures(protocol)));
            front.channel.send(new FrontEndMessage.GetShmemConfig(), false);
            BackEndReply.ShmemConfigReply shmem = (BackEndReply.ShmemConfigReply) front.channel.receiveReply();
            assertEquals(1, shmem.regionCount());
            assertEquals(256L << 20, shmem.sizes().get(0));
            int[] pair = io.virtiofs.transport.internal.nativeio.SocketCalls.socketPair(
                    io.virtiofs.transport.internal.nativeio.SocketCalls.SOCK_STREAM
                            | io.virtiofs.transport.internal.nativeio.SocketCalls.SOCK_CLOEXEC);
            try {
                assertEquals(0, front.ack(new FrontEndMessage.SetBackendReqFd(), pair[1]));
            } finally {
                io.virtiofs.transport.internal.nativeio.SocketCalls.close(pair[1]);
                io.virtiofs.transport.internal.nativeio.SocketCalls.close(pair[0]);
            }
        }
        assertTrue(backend.awaitSessionsEnded(1, TIMEOUT));
    }

    @Test
    void withoutADaxWindowNoSharedMemoryIsOfferedAndTheBackEndChannelIsRefused() throws Exception {
        start(1, true, handler);
        try (GuestRam ram = new GuestRam("vu-nodax", 0, 4 << 20);
             TestFrontEnd front = TestFrontEnd.connect(socket, ram)) {
            long protocol = front.u64(new FrontEndMessage.GetProtocolFeatures());
            assertEquals(0, protocol & (ProtocolFeature.SHMEM.mask() | ProtocolFeature.BACKEND_REQ.mask()));
            assertEquals(0, front.ack(new FrontEndMessage.SetProtocolFeatures(protocol)));
            int[] pair = io.virtiofs.transport.internal.nativeio.SocketCalls.socketPair(
                    io.virtiofs.transport.internal.nativeio.SocketCalls.SOCK_STREAM
                            | io.virtiofs.transport.internal.nativeio.SocketCalls.SOCK_CLOEXEC);
            try {
                assertEquals(1, front.ack(new FrontEndMessage.SetBackendReqFd(), pair[1]), "refused");
            } finally {
                io.virtiofs.transport.internal.nativeio.SocketCalls.close(pair[1]);
                io.virtiofs.transport.internal.nativeio.SocketCalls.close(pair[0]);
            }
            assertEquals(3, front.u64(new FrontEndMessage.GetQueueNum()) + 1, "the connection goes on");
        }
    }
}
