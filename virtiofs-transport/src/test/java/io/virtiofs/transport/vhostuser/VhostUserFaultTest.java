package io.virtiofs.transport.vhostuser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.virtiofs.transport.internal.Seeds;
import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.vhostuser.BackEndReply.ConfigReply;
import io.virtiofs.transport.vhostuser.BackEndReply.U64Reply;
import io.virtiofs.transport.vhostuser.FrontEndMessage.AddMemReg;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetConfig;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetStatus;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetVringBase;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetConfig;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetMemTable;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetProtocolFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringAddr;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringErr;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringKick;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringNum;
import io.virtiofs.transport.vhostuser.FrontEndMessage.Unsupported;
import io.virtiofs.transport.virtqueue.SplitRing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Front-ends that break the protocol get a failure status or lose the connection; the back-end lives on. */
class VhostUserFaultTest {

    private Path dir;
    private Path socket;
    private Set<Integer> fdsBefore;
    private final EchoHandler handler = new EchoHandler();
    private VhostUserBackend backend;
    private GuestRam ram;
    private TestFrontEnd front;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "vhostuser-fault-");
        socket = dir.resolve("vfs.sock");
        fdsBefore = OpenFds.now();
        backend = VhostUserBackend.builder().socketPath(socket).tag("faults").requestQueues(1).queueSize(256)
                .handlerFactory(config -> handler).build();
        backend.start();
        ram = new GuestRam("vu-fault", 0x1000_0000L, 1 << 20);
        front = TestFrontEnd.connect(socket, ram);
    }

    @AfterEach
    void tearDown() throws IOException {
        front.close();
        backend.close();
        ram.close();
        Set<Integer> leaked = new HashSet<>(OpenFds.now());
        leaked.removeAll(fdsBefore);
        assertEquals(Set.of(), leaked, "descriptors left open: " + OpenFds.describe(leaked));
        Files.delete(dir);
    }

    private void assertStillServing() throws Exception {
        assertEquals((1L << 32) | (7L << 28), front.u64(new GetFeatures()));
    }

    private void assertDisconnected() {
        assertEquals(ProtocolFault.TRUNCATED, assertThrows(VhostUserProtocolException.class,
                front.channel::receiveReply).fault(), "the back-end ended the connection");
    }

    private static VringAddress someAddress(int index) {
        return new VringAddress(index, 0, 0x1000_0000L, 0x1000_2000L, 0x1000_1000L, 0);
    }

    @Test
    void aVringAddressBeforeAnyMemoryFailsWhenAnAckIsWanted() throws Exception {
        assertEquals(1, front.ack(new SetVringAddr(someAddress(0))));
        assertStillServing();
    }

    @Test
    void aVringAddressBeforeAnyMemoryEndsTheConnectionWhenNoAckIsWanted() throws Exception {
        front.send(new SetVringAddr(someAddress(0)));
        assertDisconnected();
    }

    @Test
    void queueIndexesOutsideTheDeviceFailAndTheirDescriptorsAreClosed() throws Exception {
        assertEquals(1, front.ack(new SetVringNum(2, 64)));
        assertEquals(1, front.ack(new SetVringNum(-1, 64)));
        int event = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC);
        try {
            Set<Integer> before = OpenFds.now();
            assertEquals(1, front.ack(new SetVringKick(200, false), event));
            assertEquals(1, front.ack(new SetVringErr(3, false), event));
            assertEquals(before, OpenFds.now());
        } finally {
            FileCalls.close(event);
        }
        assertStillServing();
    }

    @Test
    void getVringBaseOfAMissingRingEndsTheConnection() throws Exception {
        front.channel.send(new GetVringBase(9, 0), false);
        assertDisconnected();
    }

    @Test
    void loggingIsUnsupportedHonestly() throws Exception {
        assertEquals(1, front.ack(new Unsupported(RequestCode.SET_LOG_BASE.code(), 16)));
        assertEquals(1, front.ack(new SetFeatures((1L << 32) | (1L << 26))), "VHOST_F_LOG_ALL was not offered");
        assertEquals(1, front.ack(new SetProtocolFeatures(ProtocolFeature.LOG_SHMFD.mask())));
        front.send(new Unsupported(RequestCode.SET_LOG_FD.code(), 0));
        assertDisconnected();
    }

    @Test
    void configWritesAreRefusedAndReadsOutsideTheSpaceGetTheEmptyAnswer() throws Exception {
        assertEquals(1, front.ack(new SetConfig(new DeviceConfig(0, 0, new byte[] {'x'}))));
        front.channel.send(new GetConfig(new DeviceConfig(30, 0, new byte[20])), false);
        assertEquals(new ConfigReply(Optional.empty()), front.channel.receiveReply());
        front.channel.send(new GetConfig(new DeviceConfig(36, 0, new byte[4])), false);
        assertEquals(new ConfigReply(Optional.of(new DeviceConfig(36, 0, new byte[] {1, 0, 0, 0}))),
                front.channel.receiveReply());
        assertStillServing();
    }

    @Test
    void memoryThatCannotBeMappedIsRefused() throws Exception {
        assertEquals(1, front.ack(new SetMemTable(List.of(new MemoryRegion(0, 2 << 20, 0x7000_0000L, 0))), ram.fd),
                "a region larger than its file");
        assertEquals(1, front.ack(new SetMemTable(List.of(new MemoryRegion(0, 4096, 0x7000_0000L, 100))), ram.fd),
                "an mmap offset that is not page aligned");
        int event = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC);
        try {
            assertEquals(1, front.ack(new AddMemReg(new MemoryRegion(0, 4096, 0x7000_0000L, 0)), event),
                    "an eventfd is no memory");
        } finally {
            FileCalls.close(event);
        }
        assertEquals(1, front.ack(new SetMemTable(List.of(new MemoryRegion(0, 4096, 0, 0),
                new MemoryRegion(0, 4096, 0x10_0000L, 0))), ram.fd, ram.fd), "overlapping regions");
        assertEquals(1, front.ack(new SetMemTable(List.of(ram.region()))), "a region without its descriptor");
        assertEquals(0, front.ack(new SetMemTable(List.of(ram.region())), ram.fd));
        assertEquals(1, front.ack(new SetVringAddr(new VringAddress(0, 0, 0x10, 0x20, 0x40, 0))), "outside every region");
        assertStillServing();
    }

    @Test
    void aRingWithoutKickDescriptorIsRefused() throws Exception {
        assertEquals(1, front.ack(new SetVringKick(0, true)));
        assertStillServing();
    }

    @Test
    void aBadHeaderEndsTheConnection() throws Exception {
        front.channel.sendRaw(HexFormat.of().parseHex("010000000200000000000000"));
        assertDisconnected();
    }

    @Test
    void aRingTheDriverBreaksSignalsItsErrEventfdAndTheOtherRingGoesOn() throws Exception {
        front.handshake(2, 64, false);
        int err = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
        try {
            assertEquals(0, front.ack(new SetVringErr(0, false), err));
            // A chain whose head is beyond the descriptor table: the device marks the ring broken.
            TestVring hiprio = front.ring(0);
            hiprio.offer(0x1000_0000L, 16, 0, 0);
            var avail = ram.segment(hiprio.layout.availRing(), SplitRing.availRingBytes(64));
            SplitRing.setAvailRingEntry(avail, 0, 1000);
            EventFdCalls.write(kickOf(0), 1);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!readable(err)) {
                if (System.nanoTime() > deadline) {
                    fail("the err eventfd was not signalled");
                }
                Thread.onSpinWait();
            }
            assertEquals(0x40, front.u64(new GetStatus()) & 0x40, "DEVICE_NEEDS_RESET");
            byte[] body = {7};
            assertArrayEquals(VhostUserBackendTest.echoReply(5, body), front.exchange(1, 15, 5, body));
        } finally {
            FileCalls.close(err);
        }
    }

    private int kickOf(int ring) throws Exception {
        java.lang.reflect.Field kicks = TestFrontEnd.class.getDeclaredField("kicks");
        kicks.setAccessible(true);
        return ((int[]) kicks.get(front))[ring];
    }

    private static boolean readable(int eventFd) throws NativeException {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            return FileCalls.readNonBlocking(eventFd, arena.allocate(8), 8) == 8;
        }
    }

    @TestFactory
    Stream<DynamicTest> randomRequestSequencesNeverCrashOrHangTheBackEnd() {
        return Seeds.of(6).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            SplittableRandom random = new SplittableRandom(seed);
            front.close();
            ram.close();
            ram = new GuestRam("vu-fault", 0x1000_0000L, 1 << 20);
            front = TestFrontEnd.connect(socket, ram);
            int event = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
            int answered = 0;
            int refused = 0;
            try {
                for (int i = 0; i < 150; i++) {
                    FrontEndMessage message = plausible(random);
                    int[] fds = new int[Math.min(message.expectedFds(), MessageCodec.MAX_FDS)];
                    for (int f = 0; f < fds.length; f++) {
                        fds[f] = message instanceof SetMemTable || message instanceof AddMemReg ? ram.fd : event;
                    }
                    try {
                        front.channel.send(message, true, fds);
                        BackEndReply reply = front.channel.receiveReply();
                        answered++;
                        if (reply.equals(BackEndReply.ack(message.request(), false))) {
                            refused++;
                        }
                    } catch (VhostUserProtocolException | NativeException e) {
                        // The back-end ended the connection: connect again.
                        front.close();
                        front = TestFrontEnd.connect(socket, ram);
                    }
                }
                assertTrue(answered > 120 && refused > 40 && answered - refused > 40,
                        "seed " + seed + ": the sequence exercised too little: " + answered + " answered, "
                        + refused + " of them refused");
                front.close();
                front = TestFrontEnd.connect(socket, ram);
                front.handshake(2, 64, random.nextBoolean());
                byte[] body = {1, 2};
                assertArrayEquals(VhostUserBackendTest.echoReply(3, body), front.exchange(1, 15, 3, body),
                        "seed " + seed + ": the back-end still serves");
                front.close();
                front = TestFrontEnd.connect(socket, ram);
            } catch (AssertionError | Exception e) {
                throw new AssertionError("seed " + seed + ": " + e, e);
            } finally {
                FileCalls.close(event);
            }
        }));
    }

    /** Mostly well-formed requests with small, sometimes wrong, values, in random order. */
    private FrontEndMessage plausible(SplittableRandom random) {
        int ring = random.nextInt(4);
        long base = ram.guestBase;
        return switch (random.nextInt(14)) {
            case 0 -> new SetMemTable(List.of(randomRegion(random)));
            case 1 -> new AddMemReg(randomRegion(random));
            case 2 -> new FrontEndMessage.RemMemReg(randomRegion(random));
            case 3 -> new SetVringAddr(new VringAddress(ring, 0, ram.user(base + 4096L * random.nextInt(300)),
                    ram.user(base + 4096L * random.nextInt(300)), ram.user(base + 4096L * random.nextInt(300)), 0));
            case 4 -> new SetVringNum(ring, 1 << random.nextInt(12));
            case 5 -> new FrontEndMessage.SetVringBase(ring, random.nextInt(70000));
            case 6 -> new GetVringBase(ring, 0);
            case 7 -> new SetVringKick(ring, random.nextInt(5) == 0);
            case 8 -> new FrontEndMessage.SetVringCall(ring, random.nextBoolean());
            case 9 -> new FrontEndMessage.SetVringEnable(ring, random.nextBoolean());
            case 10 -> new SetFeatures(random.nextBoolean() ? (1L << 32) | (1L << 30) : random.nextLong());
            case 11 -> new FrontEndMessage.SetStatus(random.nextInt(256));
            case 12 -> new FrontEndMessage.ResetDevice();
            default -> MessageCodecTest.randomMessage(random);
        };
    }

    private MemoryRegion randomRegion(SplittableRandom random) {
        long offset = random.nextInt(4) == 0 ? random.nextInt(100) : 4096L * random.nextInt(256);
        long size = random.nextInt(4) == 0 ? random.nextLong(1, 1L << 40) : 4096L * random.nextInt(1, 256);
        return new MemoryRegion(ram.guestBase + 4096L * random.nextInt(4), size, ram.user(ram.guestBase), offset);
    }
}
