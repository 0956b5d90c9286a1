package io.virtiofs.testkit.mock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.testkit.transport.device.FuseMessages;
import io.virtiofs.testkit.transport.device.TestFuseHandler;
import io.virtiofs.transport.device.DeviceStatus;
import io.virtiofs.transport.device.VirtioFeature;
import io.virtiofs.transport.device.VirtioFsDevice;
import io.virtiofs.transport.virtqueue.RingFeatures;
import io.virtiofs.transport.virtqueue.SplitRing;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class MockDriverTest {

    /** Answers every request with the same 120 bytes, its unique patched in; allocates nothing. */
    private static final class FixedReplyHandler implements FuseRequestHandler {
        private final byte[] body = new byte[104];

        @Override
        public Served handle(ByteBuf request, ByteBuf reply, Completion completion) {
            long unique = request.getLongLE(request.readerIndex() + 8);
            OutHeader.encode(reply, WireOrder.LITTLE_ENDIAN, OutHeader.SIZE + body.length, 0, unique);
            reply.writeBytes(body);
            return Served.replied();
        }

        @Override
        public Served answerFailure(ByteBuf request, ByteBuf reply, io.virtiofs.api.Errno errno) {
            OutHeader.encode(reply, WireOrder.LITTLE_ENDIAN, OutHeader.SIZE, -errno.code(),
                    request.getLongLE(request.readerIndex() + 8));
            return Served.replied();
        }
    }

    @Test
    void connectNegotiatesAndStartsEveryQueue() throws Exception {
        try (VirtioFsDevice device = VirtioFsDevice.builder("connect").requestQueues(2).build(new TestFuseHandler());
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults()
                     .withFeatures(VirtioFeature.VERSION_1.mask() | VirtioFeature.RING_EVENT_IDX.mask()
                             | VirtioFeature.IN_ORDER.mask()))) {
            assertEquals(VirtioFeature.VERSION_1.mask() | VirtioFeature.RING_EVENT_IDX.mask(), driver.features(),
                    "the intersection with the device's offer");
            assertEquals(driver.features(), device.driverFeatures());
            assertEquals(new DeviceStatus(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK
                    | DeviceStatus.DRIVER_OK), device.status());
            for (int q = 0; q < 3; q++) {
                assertTrue(device.isQueueRunning(q));
                assertEquals(new RingFeatures(false, true), driver.queue(q).features());
                assertTrue(driver.queue(q).layout().descriptorTable() >= MockDriver.GUEST_BASE);
                assertEquals(64, driver.queue(q).layout().size());
            }
        }
    }

    @Test
    void refusedFeaturesFailTheConnection() {
        try (VirtioFsDevice device = VirtioFsDevice.builder("refuse").build(new TestFuseHandler())) {
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> MockDriver.connect(device,
                    MockDriver.Options.defaults().withFeatures(VirtioFeature.RING_EVENT_IDX.mask())));
            assertTrue(refused.getMessage().contains("RING_EVENT_IDX"), refused.getMessage());
            assertEquals(DeviceStatus.RESET, device.status(), "the failed driver reset the device");
        }
    }

    @Test
    void slotsLimitRequestsInFlight() throws Exception {
        TestFuseHandler handler = new TestFuseHandler();
        try (VirtioFsDevice device = VirtioFsDevice.builder("slots").build(handler);
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults().withSlots(2))) {
            var gate = handler.gate(1);
            driver.submit(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 1, 1), 512);
            driver.submit(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 2, 2), 512);
            assertThrows(IllegalStateException.class,
                    () -> driver.submit(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 3, 3), 512));
            assertThrows(IllegalStateException.class,
                    () -> driver.exchange(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 3, 3), 512),
                    "exchange needs an idle queue");
            assertThrows(IllegalArgumentException.class,
                    () -> driver.submit(2 - 1, Unpooled.buffer(), 1 << 20), "larger than a reply slot");
            gate.countDown();
            assertEquals(1, driver.awaitCompletion(1).reply().getLongLE(8));
            assertEquals(2, driver.awaitCompletion(1).reply().getLongLE(8));
        }
    }

    @Test
    void timeoutNamesTheQueueAndDeviceState() {
        try (VirtioFsDevice device = VirtioFsDevice.builder("timeout").build(new TestFuseHandler());
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults()
                     .withTimeout(Duration.ofMillis(100)))) {
            device.setQueueEnabled(1, false);
            TimeoutException timeout = assertThrows(TimeoutException.class,
                    () -> driver.exchange(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 1, 1), 512));
            assertTrue(timeout.getMessage().contains("queue 1"), timeout.getMessage());
            assertTrue(timeout.getMessage().contains("DRIVER_OK"), timeout.getMessage());
        }
    }

    @Test
    void notificationsAreSuppressedNotLost() throws Exception {
        TestFuseHandler handler = new TestFuseHandler();
        try (VirtioFsDevice device = VirtioFsDevice.builder("notify").build(handler);
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults())) {
            ByteBuf request = FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 1, 1);
            for (int i = 0; i < 200; i++) {
                driver.exchange(1, request, 512);
            }
            DriverQueue queue = driver.queue(1);
            assertTrue(queue.kicks() >= 1 && queue.kicks() <= 200, "kicks " + queue.kicks());
            assertEquals(queue.kicks(), driver.kick(1).kicks());
            assertTrue(queue.interrupts() <= 200, "interrupts " + queue.interrupts());
            assertEquals(200, handler.seen().size());
        }
    }

    /**
     * With eventfds the device gets vhost-user's kick and call: requests, one at a time and
     * several in flight, get through without the in-process kick, and closing the driver closes
     * every descriptor it made and ends its relay threads.
     */
    @Test
    @Timeout(60)
    void eventfdSignalsCarryKicksAndCallsAndLeaveNothingOpen() throws Exception {
        long fdsBefore = openDescriptors();
        TestFuseHandler handler = new TestFuseHandler();
        try (VirtioFsDevice device = VirtioFsDevice.builder("eventfds").requestQueues(2).build(handler);
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults().withSlots(4),
                     MockDriver.Signals.EVENTFDS)) {
            for (int i = 0; i < 100; i++) {
                driver.exchange(1 + i % 2, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, i, 1), 512);
            }
            for (int i = 0; i < 4; i++) {
                driver.submit(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 1000 + i, 1), 512);
            }
            for (int i = 0; i < 4; i++) {
                assertEquals(0, driver.awaitCompletion(1).reply().getIntLE(4), "error of a reply");
            }
            assertEquals(104, handler.seen().size());
            for (int q = 1; q <= 2; q++) {
                assertEquals(0, driver.kick(q).kicks(), "the in-process kick of queue " + q + " stays idle");
                assertTrue(driver.queue(q).kicks() >= 1, "queue " + q + " kicked its eventfd");
                assertTrue(driver.queue(q).interrupts() >= 1, "calls of queue " + q + " became interrupts");
            }
            assertTrue(openDescriptors() > fdsBefore, "the eventfds are open while connected");
        }
        assertEquals(fdsBefore, openDescriptors(), "descriptors left open");
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("virtiofs-mock-call-")), "a relay thread outlived the driver");
    }

    private static long openDescriptors() throws IOException {
        try (var entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.count();
        }
    }

    @Test
    void steadyStateRoundTripsAllocateNothing() throws Exception {
        AllocationCounter threads = new AllocationCounter();
        try (VirtioFsDevice device = VirtioFsDevice.builder("alloc").build(new FixedReplyHandler());
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults())) {
            ByteBuf request = FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 7, 1);
            for (int i = 0; i < 20_000; i++) {
                driver.exchange(1, request, 512);
            }
            Thread worker = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("virtiofs-alloc-q1")).findFirst().orElseThrow();
            long driverBefore = threads.allocatedBytes(Thread.currentThread());
            long workerBefore = threads.allocatedBytes(worker);
            int rounds = 20_000;
            ByteBuf reply = null;
            for (int i = 0; i < rounds; i++) {
                reply = driver.exchange(1, request, 512);
            }
            long driverBytes = threads.allocatedBytes(Thread.currentThread()) - driverBefore;
            long workerBytes = threads.allocatedBytes(worker) - workerBefore;
            assertEquals(120, reply.readableBytes());
            assertEquals(7, reply.getLongLE(8));
            assertTrue(driverBytes < rounds, "driver thread allocated " + driverBytes + " bytes in " + rounds
                    + " round trips");
            assertTrue(workerBytes < rounds, "queue worker allocated " + workerBytes + " bytes in " + rounds
                    + " round trips");
        }
    }

    @Test
    void repliesAreTheBytesTheDeviceWrote() throws Exception {
        try (VirtioFsDevice device = VirtioFsDevice.builder("bytes").build(new FixedReplyHandler());
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults().withIndirect(true)
                     .withScatter(true))) {
            ByteBuf reply = driver.exchange(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 0x0a0b, 1), 200);
            byte[] expected = new byte[120];
            expected[0] = 120;
            expected[8] = 0x0b;
            expected[9] = 0x0a;
            assertArrayEquals(expected, ByteBufUtil.getBytes(reply));
            assertArrayEquals(expected, driver.replyMemory(1, 0).asSlice(0, 120)
                    .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "the reply lies in guest memory");
        }
    }

    @Test
    void segmentsCutEachBodyIntoDescriptorsOfAtMostThatSizeInOneIndirectTable() throws Exception {
        MockDriver.Options options = MockDriver.Options.defaults().withIndirect(true).withScatter(true)
                .withSegments(4096).withBuffers(20_000, 9_000);
        // request: header + ceil(19,960 / 4,096) = 5 pieces; reply: header + ceil(8,984 / 4,096) = 3
        assertEquals(MockDriver.INDIRECT_ENTRIES, options.indirectEntries(), "10 fit the default tables");
        assertEquals((1 + 16) + (1 + 16), options.withBuffers(64 * 1024, 64 * 1024).indirectEntries(),
                "a header and 16 pages each way");
        try (VirtioFsDevice device = VirtioFsDevice.builder("segments").build(new FixedReplyHandler());
             MockDriver driver = MockDriver.connect(device, options)) {
            ByteBuf body = Unpooled.buffer(10_000).writeZero(10_000);
            ByteBuf request = FuseMessages.request(WireOrder.LITTLE_ENDIAN, io.virtiofs.protocol.Opcode.WRITE, 9, 1,
                    body);
            int token = driver.post(1, request, 9_000);
            DriverQueue queue = driver.queue(1);
            assertTrue(queue.isIndirect(0));
            MemorySegment table = driver.memory().segment(SplitRing.descriptorAddress(queue.descriptorTable(), 0),
                    SplitRing.descriptorLength(queue.descriptorTable(), 0));
            long[] lengths = new long[(int) (table.byteSize() / SplitRing.DESCRIPTOR_SIZE)];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = SplitRing.descriptorLength(table, i);
            }
            assertArrayEquals(new long[] {40, 4096, 4096, 1808, 16, 4096, 4096, 792}, lengths,
                    "headers apart, then 10,000 request bytes and 8,984 reply bytes in pieces of 4 KiB");
            driver.publish(1);
            long completion = driver.await(1);
            assertEquals(token, MockDriver.completionToken(completion));
            assertEquals(9, driver.reply(1, token, MockDriver.completionLength(completion)).getLongLE(8));
        }
    }

    @Test
    void postedRequestsWaitForPublishAndAreReapedByToken() throws Exception {
        try (VirtioFsDevice device = VirtioFsDevice.builder("batch").build(new FixedReplyHandler());
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults().withSlots(3))) {
            DriverQueue queue = driver.queue(1);
            int[] tokens = new int[3];
            for (int i = 0; i < 3; i++) {
                tokens[i] = driver.post(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 100 + i, 1), 200);
            }
            assertArrayEquals(new int[] {0, 1, 2}, tokens);
            assertEquals(3, queue.availIdx(), "added to the ring");
            assertEquals(0, SplitRing.availIdxAcquire(queue.availRing()), "but not published");
            assertEquals(-1, driver.poll(1));
            assertTrue(driver.publish(1), "the idle device asked for a kick");
            assertEquals(3, SplitRing.availIdxAcquire(queue.availRing()));
            assertEquals(1, queue.kicks());
            boolean[] seen = new boolean[3];
            for (int i = 0; i < 3; i++) {
                long completion = i == 0 ? driver.await(1) : awaitPolled(driver);
                int token = MockDriver.completionToken(completion);
                assertEquals(120, MockDriver.completionLength(completion));
                byte[] expected = new byte[120];
                expected[0] = 120;
                expected[8] = (byte) (100 + token);
                assertArrayEquals(expected, ByteBufUtil.getBytes(driver.reply(1, token, 120)), "reply of " + token);
                seen[token] = true;
            }
            assertArrayEquals(new boolean[] {true, true, true}, seen);
            assertEquals(-1, driver.poll(1), "nothing left");
            assertEquals(2, driver.post(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 7, 1), 200),
                    "the slots are free again, the last one freed first");
            assertThrows(IllegalArgumentException.class, () -> driver.reply(1, 0, 64 * 1024 + 1));
        }
    }

    private static long awaitPolled(MockDriver driver) throws TimeoutException {
        long completion = driver.poll(1);
        return completion >= 0 ? completion : driver.await(1);
    }

    @Test
    void batchedRoundTripsAllocateNothing() throws Exception {
        AllocationCounter threads = new AllocationCounter();
        try (VirtioFsDevice device = VirtioFsDevice.builder("batchalloc").build(new FixedReplyHandler());
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults())) {
            ByteBuf request = FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 9, 1);
            int inFlight = driver.options().slots();
            for (int i = 0; i < inFlight; i++) {
                driver.post(1, request, 512);
            }
            driver.publish(1);
            batchedRoundTrips(driver, request, 20_000);
            Thread worker = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("virtiofs-batchalloc-q1")).findFirst().orElseThrow();
            long driverBefore = threads.allocatedBytes(Thread.currentThread());
            long workerBefore = threads.allocatedBytes(worker);
            int rounds = 20_000;
            batchedRoundTrips(driver, request, rounds);
            long driverBytes = threads.allocatedBytes(Thread.currentThread()) - driverBefore;
            long workerBytes = threads.allocatedBytes(worker) - workerBefore;
            assertTrue(driverBytes < rounds, "driver thread allocated " + driverBytes + " bytes in " + rounds
                    + " round trips");
            assertTrue(workerBytes < rounds, "queue worker allocated " + workerBytes + " bytes in " + rounds
                    + " round trips");
            for (int i = 0; i < inFlight; i++) {
                driver.await(1);
            }
            assertEquals(-1, driver.poll(1));
        }
    }

    /**
     * Reaps, checks and reposts {@code rounds} requests, publishing when no completion waits and
     * at the end.
     */
    private static void batchedRoundTrips(MockDriver driver, ByteBuf request, int rounds) throws TimeoutException {
        boolean unpublished = false;
        for (int i = 0; i < rounds; i++) {
            long completion = driver.poll(1);
            if (completion < 0) {
                if (unpublished) {
                    driver.publish(1);
                    unpublished = false;
                }
                completion = driver.await(1);
            }
            ByteBuf reply = driver.reply(1, MockDriver.completionToken(completion),
                    MockDriver.completionLength(completion));
            if (reply.readableBytes() != 120 || reply.getLongLE(8) != 9) {
                throw new AssertionError("round trip " + i + ": reply of " + reply.readableBytes() + " bytes, unique "
                        + reply.getLongLE(8));
            }
            driver.post(1, request, 512);
            unpublished = true;
        }
        driver.publish(1);
    }
}
