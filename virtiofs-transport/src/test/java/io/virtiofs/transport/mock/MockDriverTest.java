package io.virtiofs.transport.mock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.Outcome;
import io.virtiofs.transport.device.DeviceStatus;
import io.virtiofs.transport.device.FuseMessages;
import io.virtiofs.transport.device.TestFuseHandler;
import io.virtiofs.transport.device.VirtioFeature;
import io.virtiofs.transport.device.VirtioFsDevice;
import io.virtiofs.transport.virtqueue.RingFeatures;
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
        public Outcome handle(ByteBuf request, ByteBuf reply) {
            long unique = request.getLongLE(request.readerIndex() + 8);
            OutHeader.encode(reply, WireOrder.LITTLE_ENDIAN, OutHeader.SIZE + body.length, 0, unique);
            reply.writeBytes(body);
            return Outcome.REPLIED;
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
}
