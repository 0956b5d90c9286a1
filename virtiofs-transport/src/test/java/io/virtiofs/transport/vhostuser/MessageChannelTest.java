package io.virtiofs.transport.vhostuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.virtiofs.transport.internal.Seeds;
import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.SocketCalls;
import io.virtiofs.transport.vhostuser.BackEndReply.U64Reply;
import io.virtiofs.transport.vhostuser.BackEndReply.VringBaseReply;
import io.virtiofs.transport.vhostuser.FrontEndMessage.GetFeatures;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetMemTable;
import io.virtiofs.transport.vhostuser.FrontEndMessage.SetVringCall;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class MessageChannelTest {

    private MessageChannel frontEnd;
    private MessageChannel backEnd;
    private int stop;
    private Set<Integer> fdsBefore;

    @BeforeEach
    void connect() throws Exception {
        fdsBefore = OpenFds.now();
        int[] pair = SocketCalls.socketPair(SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC);
        stop = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
        frontEnd = new MessageChannel(pair[0], -1);
        backEnd = new MessageChannel(pair[1], stop);
    }

    @AfterEach
    void closeAndCheckForLeaks() throws Exception {
        frontEnd.close();
        backEnd.close();
        FileCalls.close(stop);
        Set<Integer> leaked = new HashSet<>(OpenFds.now());
        leaked.removeAll(fdsBefore);
        assertEquals(Set.of(), leaked, "descriptors left open: " + OpenFds.describe(leaked));
    }

    @Test
    void aRequestArrivesWithItsDescriptorsAndTheReplyReturns() throws Exception {
        int event = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC | EventFdCalls.EFD_NONBLOCK);
        try {
            frontEnd.send(new SetVringCall(1, false), true, event);
            try (FrontEndRequest request = backEnd.receiveRequest().orElseThrow()) {
                assertEquals(new SetVringCall(1, false), request.message());
                assertTrue(request.needsReply());
                assertEquals(1, request.fds().count());
                int received = request.fds().take(0);
                EventFdCalls.write(received, 7);
                assertEquals(7, EventFdCalls.read(event));
                FileCalls.close(received);
            }
            backEnd.send(BackEndReply.ack(RequestCode.SET_VRING_CALL.code(), true));
            assertEquals(new U64Reply(13, 0), frontEnd.receiveReply());
            backEnd.send(new VringBaseReply(1, 42));
            assertEquals(new VringBaseReply(1, 42), frontEnd.receiveReply());
        } finally {
            FileCalls.close(event);
        }
    }

    @Test
    void descriptorsNotTakenAreClosedWithTheRequest() throws Exception {
        int[] events = new int[2];
        for (int i = 0; i < events.length; i++) {
            events[i] = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC);
        }
        try {
            Set<Integer> before = OpenFds.now();
            frontEnd.send(new SetMemTable(List.of(new MemoryRegion(0, 4096, 0, 0), new MemoryRegion(4096, 4096, 4096, 0))),
                    false, events);
            FrontEndRequest request = backEnd.receiveRequest().orElseThrow();
            assertEquals(2, request.fds().count());
            assertEquals(before.size() + 2, OpenFds.now().size());
            request.close();
            assertEquals(before, OpenFds.now());
        } finally {
            for (int fd : events) {
                FileCalls.close(fd);
            }
        }
    }

    @Test
    void endOfStreamBetweenMessagesIsAnOrderlyEnd() throws Exception {
        frontEnd.send(new GetFeatures(), false);
        frontEnd.shutdown();
        assertInstanceOf(GetFeatures.class, backEnd.receiveRequest().orElseThrow().message());
        assertEquals(Optional.empty(), backEnd.receiveRequest());
    }

    @Test
    void endOfStreamInsideAMessageIsTruncatedAndClosesItsDescriptors() throws Exception {
        int event = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC);
        try {
            frontEnd.sendRaw(HexFormat.of().parseHex("0d0000000100000008000000" + "0100"), event);
            frontEnd.shutdown();
            Set<Integer> before = OpenFds.now();
            VhostUserProtocolException e = assertThrows(VhostUserProtocolException.class, backEnd::receiveRequest);
            assertEquals(ProtocolFault.TRUNCATED, e.fault());
            assertEquals("TRUNCATED: the connection ended after 14 of 20 bytes of a message", e.getMessage());
            assertEquals(before, OpenFds.now());
        } finally {
            FileCalls.close(event);
        }
    }

    @Test
    void endOfStreamInsideAHeaderIsTruncated() throws Exception {
        frontEnd.sendRaw(HexFormat.of().parseHex("01000000"));
        frontEnd.shutdown();
        assertEquals(ProtocolFault.TRUNCATED,
                assertThrows(VhostUserProtocolException.class, backEnd::receiveRequest).fault());
    }

    @Test
    void moreDescriptorsThanAnyMessageCarriesAreRefusedAndClosed() throws Exception {
        int[] events = new int[MessageCodec.MAX_FDS + 3];
        for (int i = 0; i < events.length; i++) {
            events[i] = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC);
        }
        try {
            Set<Integer> before = OpenFds.now();
            frontEnd.send(new GetFeatures(), false, events);
            assertEquals(ProtocolFault.TOO_MANY_FDS,
                    assertThrows(VhostUserProtocolException.class, backEnd::receiveRequest).fault());
            assertEquals(before, OpenFds.now());
        } finally {
            for (int fd : events) {
                FileCalls.close(fd);
            }
        }
    }

    @Test
    void aMalformedMessageClosesItsDescriptorsAndTheNextOneIsRead() throws Exception {
        int event = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC);
        try {
            Set<Integer> before = OpenFds.now();
            // GET_FEATURES with a descriptor: a wrong count, but the framing holds.
            frontEnd.send(new GetFeatures(), false, event);
            frontEnd.send(new GetFeatures(), false);
            assertEquals(ProtocolFault.FD_COUNT,
                    assertThrows(VhostUserProtocolException.class, backEnd::receiveRequest).fault());
            assertEquals(before, OpenFds.now());
            assertInstanceOf(GetFeatures.class, backEnd.receiveRequest().orElseThrow().message());
        } finally {
            FileCalls.close(event);
        }
    }

    @Test
    void theStopDescriptorEndsAWaitingReceive() throws Exception {
        CompletableFuture<Optional<FrontEndRequest>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return backEnd.receiveRequest();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        EventFdCalls.write(stop, 1);
        assertEquals(Optional.empty(), waiting.get(10, TimeUnit.SECONDS));
    }

    @TestFactory
    Stream<DynamicTest> randomByteStreamsGiveMessagesOrTypedFaultsAndNeverHang() {
        return Seeds.of(12).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed, () -> {
            SplittableRandom random = new SplittableRandom(seed);
            int[] pair = SocketCalls.socketPair(SocketCalls.SOCK_STREAM | SocketCalls.SOCK_CLOEXEC);
            try (MessageChannel writer = new MessageChannel(pair[0], -1);
                 MessageChannel reader = new MessageChannel(pair[1], -1)) {
                for (int i = 0; i < 20; i++) {
                    byte[] chunk = new byte[random.nextInt(64)];
                    random.nextBytes(chunk);
                    if (chunk.length >= 12 && random.nextBoolean()) {
                        chunk[4] = 1;
                        chunk[5] = chunk[6] = chunk[7] = 0;
                        chunk[8] = (byte) random.nextInt(chunk.length - 11);
                        chunk[9] = chunk[10] = chunk[11] = 0;
                    }
                    if (chunk.length > 0) {
                        writer.sendRaw(chunk);
                    }
                }
                writer.shutdown();
                for (int messages = 0; ; messages++) {
                    if (messages > 1000) {
                        fail("seed " + seed + ": more messages than bytes");
                    }
                    try {
                        Optional<FrontEndRequest> request = reader.receiveRequest();
                        if (request.isEmpty()) {
                            break;
                        }
                        request.get().close();
                    } catch (VhostUserProtocolException e) {
                        if (e.fault().breaksFraming()) {
                            break;
                        }
                    } catch (RuntimeException e) {
                        fail("seed " + seed + ": " + e, e);
                    }
                }
            }
        }));
    }
}
