package io.virtiofs.transport.vhostuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.virtiofs.protocol.migration.DeviceState;
import io.virtiofs.protocol.migration.MigrationOnError;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.api.Errno;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.internal.nativeio.SocketCalls;
import io.virtiofs.transport.vhostuser.BackEndReply.U64Reply;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetProtocolFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Migration.CheckDeviceState;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Migration.SetDeviceStateFd;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Migration.SetLogBase;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetProtocolFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringAddr;
import io.virtiofs.transport.virtqueue.SplitRing;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Live migration over vhost-user as QEMU drives it: the features offered only by a handler that
 * can migrate, the dirty log filled while requests are served, the device state saved through
 * the front-end's channel and loaded into a fresh back-end, CHECK_DEVICE_STATE's verdicts.
 */
class VhostUserMigrationTest {

    private static final long WANTED = ProtocolFeature.MQ.mask() | ProtocolFeature.REPLY_ACK.mask()
            | ProtocolFeature.STATUS.mask() | ProtocolFeature.LOG_SHMFD.mask() | ProtocolFeature.DEVICE_STATE.mask();
    private static final long GUEST_BASE = 0x1000_0000L;
    private static final long RAM = 1 << 20;

    /** Echoes requests; its state is a byte array written and read whole, with a length first. */
    static final class StateEcho implements FuseRequestHandler, DeviceState {
        final EchoHandler echo = new EchoHandler();
        final byte[] state;
        volatile byte[] loaded = new byte[0];

        StateEcho(byte[] state) {
            this.state = state;
        }

        @Override
        public Served handle(ByteBuf request, ByteBuf reply, Completion completion) {
            return echo.handle(request, reply, completion);
        }

        @Override
        public Served answerFailure(ByteBuf request, ByteBuf reply, Errno errno) {
            return echo.answerFailure(request, reply, errno);
        }

        @Override
        public Optional<String> migrationBlocker() {
            return Optional.empty();
        }

        @Override
        public void saveState(WritableByteChannel out) throws IOException {
            ByteBuffer all = ByteBuffer.allocate(4 + state.length).putInt(state.length).put(state).flip();
            while (all.hasRemaining()) {
                out.write(all);
            }
        }

        @Override
        public void loadState(ReadableByteChannel in, MigrationOnError onError) throws IOException {
            ByteBuffer head = ByteBuffer.allocate(4);
            readFully(in, head);
            ByteBuffer body = ByteBuffer.allocate(head.getInt(0));
            readFully(in, body);
            loaded = body.array();
        }

        private static void readFully(ReadableByteChannel in, ByteBuffer buffer) throws IOException {
            while (buffer.hasRemaining()) {
                if (in.read(buffer) < 0) {
                    throw new IOException("the state was cut short");
                }
            }
        }
    }

    private Path dir;
    private Set<Integer> fdsBefore;
    private GuestRam ram;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "vhostuser-migration-");
        fdsBefore = OpenFds.now();
        ram = new GuestRam("vu-migration", GUEST_BASE, RAM);
    }

    @AfterEach
    void tearDown() throws IOException {
        ram.close();
        Set<Integer> leaked = new HashSet<>(OpenFds.now());
        leaked.removeAll(fdsBefore);
        assertEquals(Set.of(), leaked, "descriptors left open: " + OpenFds.describe(leaked));
        Files.delete(dir);
    }

    private VhostUserBackend backend(String name, FuseRequestHandler handler) throws IOException {
        VhostUserBackend backend = VhostUserBackend.builder().socketPath(dir.resolve(name)).tag("mig").requestQueues(1)
                .queueSize(256).handlerFactory(config -> handler).build();
        backend.start();
        return backend;
    }

    @Test
    void theDirtyLogMarksReplyBytesAndTheUsedRingButNotWhatWasOnlyRead() throws Exception {
        byte[] payload = new byte[3 * 4096];
        Arrays.fill(payload, (byte) 7);
        try (VhostUserBackend backend = backend("log.sock", new StateEcho(new byte[0]));
             TestFrontEnd front = TestFrontEnd.connect(dir.resolve("log.sock"), ram)) {
            assertTrue((front.u64(new GetFeatures()) & MigrationSupport.VHOST_F_LOG_ALL) != 0, "VHOST_F_LOG_ALL offered");
            long protocol = front.u64(new GetProtocolFeatures());
            assertEquals(WANTED, protocol & WANTED, "LOG_SHMFD and DEVICE_STATE offered");
            front.handshake(2, 256, false);
            assertEquals(0, front.ack(new SetProtocolFeatures(protocol & WANTED)));
            long pages = (GUEST_BASE + RAM) >>> DirtyLog.PAGE_SHIFT;
            long logBytes = (pages + 63) / 64 * 8;
            int logFd = MemoryCalls.memfdCreate("vu-log", MemoryCalls.MFD_CLOEXEC | MemoryCalls.MFD_ALLOW_SEALING);
            try (Arena arena = Arena.ofConfined()) {
                MemoryCalls.ftruncate(logFd, logBytes);
                MemorySegment log = MemoryCalls.mmap(0, logBytes, MemoryCalls.PROT_READ | MemoryCalls.PROT_WRITE,
                        MemoryCalls.MAP_SHARED, logFd, 0);
                // QEMU's order: the log, then the features with LOG_ALL, then each ring's address with F_LOG.
                assertEquals(new U64Reply(RequestCode.SET_LOG_BASE.code(), 0),
                        front.call(new SetLogBase(logBytes, 0), logFd));
                long features = front.u64(new GetFeatures());
                long accepted = features & (TestFrontEnd.DRIVER_FEATURES | ProtocolFeature.VIRTIO_F_PROTOCOL_FEATURES);
                assertEquals(0, front.ack(new SetFeatures(accepted | MigrationSupport.VHOST_F_LOG_ALL)));
                TestVring ring = front.ring(1);
                long usedGuest = ring.layout.usedRing();
                VringAddress plain = ring.address(1);
                assertEquals(0, front.ack(new SetVringAddr(new VringAddress(1, VringAddress.F_LOG, plain.descriptorTable(),
                        plain.usedRing(), plain.availRing(), usedGuest))), "a running ring switches to logging");

                byte[] reply = front.exchange(1, 15, 42, payload);
                assertEquals(EchoHandler.OUT_HEADER + payload.length, reply.length);

                long replyStart = front.replyBuffer(1);
                long replyEnd = replyStart + reply.length - 1;
                for (long page = replyStart >>> 12; page <= replyEnd >>> 12; page++) {
                    assertTrue(marked(log, page), "reply page 0x" + Long.toHexString(page << 12) + " marked");
                }
                assertTrue(marked(log, usedGuest >>> 12), "the used ring's page is marked");
                long requestPage = front.requestBuffer(1) >>> 12;
                assertFalse(marked(log, requestPage), "the request buffer was only read");

                // Logging off: nothing more is marked (the worker's last writes of the ring came before).
                assertEquals(0, front.ack(new SetFeatures(accepted)));
                assertEquals(0, front.ack(new SetVringAddr(plain)));
                log.fill((byte) 0);
                front.exchange(1, 15, 43, payload);
                assertEquals(-1, log.mismatch(MemorySegment.ofArray(new byte[(int) logBytes])), "nothing marked");
                MemoryCalls.munmap(log.address(), logBytes);
            } finally {
                FileCalls.close(logFd);
            }
        }
    }

    private static boolean marked(MemorySegment log, long page) {
        return (log.get(ValueLayout.JAVA_BYTE, page / 8) & (1 << (page % 8))) != 0;
    }

    @Test
    void theStateIsSavedThroughTheChannelAndLoadedIntoAFreshBackEnd() throws Exception {
        byte[] state = new byte[300_000];
        new java.util.SplittableRandom(5).nextBytes(state);
        byte[] saved;
        try (VhostUserBackend source = backend("source.sock", new StateEcho(state));
             TestFrontEnd front = TestFrontEnd.connect(dir.resolve("source.sock"), ram)) {
            long protocol = front.u64(new GetProtocolFeatures());
            front.handshake(2, 256, false);
            assertEquals(0, front.ack(new SetProtocolFeatures(protocol & WANTED)));
            front.exchange(1, 15, 1, new byte[10]);
            int[] pipe = SocketCalls.socketPair(SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC);
            // While a ring runs, the device is not suspended: refused.
            U64Reply refused = (U64Reply) front.call(new SetDeviceStateFd(DeviceStateTransfer.SAVE, 0), pipe[1]);
            assertNotEquals(0, refused.value() & 0xff);
            assertEquals(1, front.u64(new CheckDeviceState(0)));
            front.stopRing(0);
            front.stopRing(1);
            U64Reply started = (U64Reply) front.call(new SetDeviceStateFd(DeviceStateTransfer.SAVE, 0), pipe[1]);
            assertEquals(DeviceStateTransfer.NO_FD, started.value(), "success, the front-end's channel used");
            FileCalls.close(pipe[1]);
            saved = readAll(pipe[0]);
            FileCalls.close(pipe[0]);
            assertEquals(0, front.u64(new CheckDeviceState(0)));
        }
        assertEquals(4 + state.length, saved.length);

        StateEcho fresh = new StateEcho(new byte[0]);
        try (VhostUserBackend destination = backend("destination.sock", fresh);
             TestFrontEnd front = TestFrontEnd.connect(dir.resolve("destination.sock"), ram)) {
            long protocol = front.u64(new GetProtocolFeatures());
            assertEquals(0, front.ack(new SetProtocolFeatures(protocol & WANTED)));
            // A source that dies mid-stream: the destination refuses.
            assertEquals(1, load(front, Arrays.copyOf(saved, saved.length / 2)));
            assertEquals(0, load(front, saved));
            assertArrayEquals(state, fresh.loaded);
        }
    }

    /** Loads {@code bytes} as QEMU does: SET_DEVICE_STATE_FD, write, close, CHECK; returns CHECK's answer. */
    private static long load(TestFrontEnd front, byte[] bytes) throws Exception {
        int[] pipe = SocketCalls.socketPair(SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC);
        U64Reply started = (U64Reply) front.call(new SetDeviceStateFd(DeviceStateTransfer.LOAD, 0), pipe[0]);
        FileCalls.close(pipe[0]);
        assertEquals(DeviceStateTransfer.NO_FD, started.value());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes.length == 0 ? new byte[1] : bytes);
            long done = 0;
            while (done < bytes.length) {
                done += FileCalls.write(pipe[1], buffer.asSlice(done), bytes.length - done);
            }
        }
        FileCalls.close(pipe[1]);
        return front.u64(new CheckDeviceState(0));
    }

    private static byte[] readAll(int fd) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(65536);
            long n;
            while ((n = FileCalls.read(fd, buffer, 65536)) > 0) {
                out.write(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            }
        }
        return out.toByteArray();
    }

    @Test
    void aHandlerThatCannotMigrateIsOfferedNoMigration() throws Exception {
        try (VhostUserBackend backend = backend("plain.sock", new EchoHandler());
             TestFrontEnd front = TestFrontEnd.connect(dir.resolve("plain.sock"), ram)) {
            assertEquals(0, front.u64(new GetFeatures()) & MigrationSupport.VHOST_F_LOG_ALL);
            long protocol = front.u64(new GetProtocolFeatures());
            assertEquals(0, protocol & (ProtocolFeature.LOG_SHMFD.mask() | ProtocolFeature.DEVICE_STATE.mask()));
            assertEquals(1, front.ack(new SetProtocolFeatures(ProtocolFeature.DEVICE_STATE.mask())));
            int[] pipe = SocketCalls.socketPair(SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC);
            U64Reply refused = (U64Reply) front.call(new SetDeviceStateFd(DeviceStateTransfer.SAVE, 0), pipe[1]);
            assertEquals(DeviceStateTransfer.NO_FD | DeviceStateTransfer.FAILED, refused.value());
            assertEquals(1, front.u64(new CheckDeviceState(0)));
            FileCalls.close(pipe[0]);
            FileCalls.close(pipe[1]);
        }
    }
}
