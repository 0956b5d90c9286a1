package io.virtiofs.testkit.transport.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.AttrOut;
import io.virtiofs.testkit.mock.DriverQueue;
import io.virtiofs.testkit.mock.MockDriver;
import io.virtiofs.transport.device.DeviceStatus;
import io.virtiofs.transport.device.VirtioFsDevice;
import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.memory.GuestMemory;
import io.virtiofs.transport.memory.GuestRegion;
import io.virtiofs.transport.virtqueue.QueueFault;
import io.virtiofs.transport.virtqueue.SplitRing;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A driver that breaks one queue: the queue stops with a typed fault, the device sets
 * DEVICE_NEEDS_RESET and notifies, the other queues keep serving, nothing hangs; and memory
 * replaced under running queues.
 */
@Timeout(30)
class DeviceFaultTest {

    private static final int ATTR_REPLY = OutHeader.SIZE + AttrOut.SIZE;

    private final TestFuseHandler handler = new TestFuseHandler();
    private final CountDownLatch needsReset = new CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicInteger queueOneErrors = new java.util.concurrent.atomic.AtomicInteger();
    private VirtioFsDevice device;
    private MockDriver driver;

    @BeforeEach
    void connect() {
        device = VirtioFsDevice.builder("faults").requestQueues(2).requestThreads(2, 4).build(handler);
        device.setConfigCall(needsReset::countDown);
        driver = MockDriver.connect(device, MockDriver.Options.defaults());
        device.setQueueErrorCall(1, queueOneErrors::incrementAndGet);
    }

    @AfterEach
    void close() {
        driver.close();
        device.close();
    }

    private void assertOnlyQueueOneBroke(QueueFault expected) throws Exception {
        assertTrue(needsReset.await(10, TimeUnit.SECONDS), "configuration change notification");
        assertTrue(device.status().has(DeviceStatus.DEVICE_NEEDS_RESET));
        assertEquals(1, queueOneErrors.get(), "the queue's error event (vhost-user SET_VRING_ERR)");
        assertEquals(expected, device.queueFault(1).orElseThrow().fault());
        assertTrue(device.queueFault(2).isEmpty());
        assertTrue(device.queueFault(0).isEmpty());
        for (int queue : new int[] {0, 2}) {
            ByteBuf reply = driver.exchange(queue, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 50 + queue, queue), 512);
            assertArrayEquals(VirtioFsDeviceTest.expectedGetattrReply(WireOrder.LITTLE_ENDIAN, 50 + queue, queue),
                    ByteBufUtil.getBytes(reply), "queue " + queue + " still serves");
        }
        // The broken queue ignores further kicks without spinning or hanging, and stops on request.
        DriverQueue broken = driver.queue(1);
        broken.chain().readable(driver.memory().allocate(64, 8), 64).add();
        broken.publish();
        driver.kick(1).kick();
        assertFalse(broken.awaitUsed(100, TimeUnit.MILLISECONDS, 0));
        device.stopQueue(1);
        assertFalse(device.isQueueRunning(1));
    }

    @Test
    void loopingChain() throws Exception {
        DriverQueue queue = driver.queue(1);
        long buffer = driver.memory().allocate(64, 8);
        queue.writeRawDescriptor(5, buffer, 64, SplitRing.DESC_F_NEXT, 6);
        queue.writeRawDescriptor(6, buffer, 64, SplitRing.DESC_F_NEXT, 5);
        queue.offerRawHead(5);
        queue.publish();
        queue.kickIfNeededAfterFence();
        assertOnlyQueueOneBroke(QueueFault.CHAIN_LOOP);
    }

    @Test
    void availIndexJump() throws Exception {
        DriverQueue queue = driver.queue(1);
        queue.publishRawAvailIdx(queue.availIdx() + 1000);
        driver.kick(1).kick();
        assertOnlyQueueOneBroke(QueueFault.AVAIL_INDEX_JUMP);
    }

    @Test
    void nestedIndirect() throws Exception {
        DriverQueue queue = driver.queue(1);
        long table = driver.memory().allocate(16, 16);
        SplitRing.writeDescriptor(driver.memory().segment(table, 16), 0, table, 16, SplitRing.DESC_F_INDIRECT, 0);
        queue.writeRawDescriptor(0, table, 16, SplitRing.DESC_F_INDIRECT, 0);
        queue.offerRawHead(0);
        queue.publish();
        queue.kickIfNeededAfterFence();
        assertOnlyQueueOneBroke(QueueFault.NESTED_INDIRECT);
    }

    @Test
    void bufferOutsideGuestMemory() throws Exception {
        DriverQueue queue = driver.queue(1);
        queue.chain().readable(0x1000, 64).writable(MockDriver.GUEST_BASE, 16).add();
        queue.publish();
        queue.kickIfNeededAfterFence();
        assertOnlyQueueOneBroke(QueueFault.ADDRESS_OUT_OF_MEMORY);
    }

    @Test
    void readableAfterWritable() throws Exception {
        DriverQueue queue = driver.queue(1);
        long buffer = driver.memory().allocate(64, 8);
        queue.chain().writable(buffer, 32).readable(buffer + 32, 32).add();
        queue.publish();
        queue.kickIfNeededAfterFence();
        assertOnlyQueueOneBroke(QueueFault.READABLE_AFTER_WRITABLE);
    }

    @Test
    void replyLargerThanTheWritableSpace() throws Exception {
        driver.submit(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 7, 7), 40);
        assertOnlyQueueOneBroke(QueueFault.REPLY_TOO_LARGE);
    }

    @Test
    void resetClearsTheFaultAndServesAgain() throws Exception {
        driver.queue(1).publishRawAvailIdx(driver.queue(1).availIdx() + 500);
        driver.kick(1).kick();
        assertTrue(needsReset.await(10, TimeUnit.SECONDS));
        driver.close();
        assertFalse(device.status().has(DeviceStatus.DEVICE_NEEDS_RESET), "reset clears DEVICE_NEEDS_RESET");
        assertTrue(device.queueFault(1).isEmpty());
        driver = MockDriver.connect(device, MockDriver.Options.defaults());
        ByteBuf reply = driver.exchange(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 1, 1), 512);
        assertArrayEquals(VirtioFsDeviceTest.expectedGetattrReply(WireOrder.LITTLE_ENDIAN, 1, 1),
                ByteBufUtil.getBytes(reply));
    }

    @Test
    void memoryReplacedWhileQueuesRun() throws Exception {
        int fd = MemoryCalls.memfdCreate("virtiofs-test-hotplug", MemoryCalls.MFD_CLOEXEC);
        try {
            MemoryCalls.ftruncate(fd, 1 << 20);
            GuestRegion hotplugged = GuestRegion.mapFile(0x8_0000_0000L, 1 << 20, 0x7000_0000_0000L, fd, 0);
            device.setMemory(GuestMemory.of(driver.memory().region(), hotplugged)).get(10, TimeUnit.SECONDS);
            ByteBuf reply = driver.exchange(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 1, 1), 512);
            assertArrayEquals(VirtioFsDeviceTest.expectedGetattrReply(WireOrder.LITTLE_ENDIAN, 1, 1),
                    ByteBufUtil.getBytes(reply));
            assertEquals(0x8_0000_0100L, device.memoryTable().peek().guestAddressOfUser(0x7000_0000_0100L));

            // A slow request holds the snapshot: the removed region stays mapped until it finishes.
            CountDownLatch gate = handler.gate(2);
            driver.submit(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 2, 2), 512);
            assertTrue(handler.started(2).await(10, TimeUnit.SECONDS));
            var drained = device.setMemory(GuestMemory.of(driver.memory().region()));
            assertFalse(drained.isDone(), "a request in flight still uses the old snapshot");
            assertFalse(hotplugged.isReleased());
            gate.countDown();
            assertEquals(ATTR_REPLY, driver.awaitCompletion(1).usedLength());
            drained.get(10, TimeUnit.SECONDS);
            assertTrue(hotplugged.isReleased(), "unmapped once no worker uses it");
            assertEquals(ATTR_REPLY, driver.exchange(2,
                    FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 3, 3), 512).readableBytes());
        } finally {
            MemoryCalls.close(fd);
        }
    }

    @Test
    void memoryChangesDrainPastBrokenAndDisabledQueues() throws Exception {
        driver.queue(1).publishRawAvailIdx(driver.queue(1).availIdx() + 500);
        driver.kick(1).kick();
        assertTrue(needsReset.await(10, TimeUnit.SECONDS));
        device.setQueueEnabled(2, false);
        driver.exchange(0, FuseMessages.forget(WireOrder.LITTLE_ENDIAN, 1, 1, 1), 64);

        device.setMemory(GuestMemory.of(driver.memory().region())).get(10, TimeUnit.SECONDS);
        device.setMemory(GuestMemory.of(driver.memory().region())).get(10, TimeUnit.SECONDS);

        device.setQueueEnabled(2, true);
        ByteBuf reply = driver.exchange(2, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 5, 5), 512);
        assertArrayEquals(VirtioFsDeviceTest.expectedGetattrReply(WireOrder.LITTLE_ENDIAN, 5, 5),
                ByteBufUtil.getBytes(reply), "the enabled queue reads through the newest memory");
    }
}
