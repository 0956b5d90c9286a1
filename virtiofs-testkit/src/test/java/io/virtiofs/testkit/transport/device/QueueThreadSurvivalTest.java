package io.virtiofs.testkit.transport.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.testkit.mock.MockDriver;
import io.virtiofs.transport.device.DeviceStatus;
import io.virtiofs.transport.device.KickEvent;
import io.virtiofs.transport.device.VirtioFsDevice;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * No queue thread dies of an exception: a kick that fails while the worker waits on it, and a
 * guest memory fault (the JVM's InternalError for a SIGBUS) while a request runs on the request
 * pool, each break only their queue (DEVICE_NEEDS_RESET); the queue stops promptly when asked and
 * the other queues serve on.
 */
@Timeout(30)
class QueueThreadSurvivalTest {

    private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    private final CountDownLatch needsReset = new CountDownLatch(1);
    private Thread.UncaughtExceptionHandler previous;
    private VirtioFsDevice device;
    private MockDriver driver;

    @BeforeEach
    void watchThreads() {
        previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
        if (device != null) {
            device.close();
        }
        Thread.setDefaultUncaughtExceptionHandler(previous);
        assertEquals(List.of(), uncaught, "a thread died of an uncaught exception");
    }

    private void connect(FuseRequestHandler handler) {
        device = VirtioFsDevice.builder("survival").requestQueues(2).requestThreads(2, 4)
                .stopTimeout(java.time.Duration.ofSeconds(2)).build(handler);
        device.setConfigCall(needsReset::countDown);
        driver = MockDriver.connect(device, MockDriver.Options.defaults());
    }

    private void assertQueueOneBrokeWith(String fault) throws Exception {
        assertTrue(needsReset.await(10, TimeUnit.SECONDS), "configuration change notification");
        assertTrue(device.status().has(DeviceStatus.DEVICE_NEEDS_RESET));
        assertEquals(fault, device.queueFault(1).orElseThrow().fault().name());
        long start = System.nanoTime();
        device.stopQueue(1);
        assertFalse(device.isQueueRunning(1));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "the queue stopped promptly");
    }

    @Test
    void aKickThatFailsBreaksItsQueueAndNoThreadDies() throws Exception {
        connect(new TestFuseHandler());
        device.setQueueKick(1, new KickEvent() {
            @Override
            public void awaitKick() {
                throw new UncheckedIOException(new java.io.IOException("read of the kick descriptor failed: EINVAL"));
            }

            @Override
            public void wake() {
            }
        });
        assertQueueOneBrokeWith("KICK_FAILED");
        ByteBuf reply = driver.exchange(2, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 52, 2), 512);
        assertArrayEquals(VirtioFsDeviceTest.expectedGetattrReply(WireOrder.LITTLE_ENDIAN, 52, 2),
                ByteBufUtil.getBytes(reply), "queue 2 still serves");
    }

    @Test
    void aGuestMemoryFaultOnThePoolBreaksItsQueueAndNoThreadDies() throws Exception {
        TestFuseHandler normal = new TestFuseHandler();
        connect(new FuseRequestHandler() {
            @Override
            public Served handle(ByteBuf request, ByteBuf reply, Completion completion) {
                if (Thread.currentThread().getName().contains("-req-") && request.getLongLE(8) == 61) {
                    // What the JVM throws for a SIGBUS in an access to a mapping that lost its file.
                    throw new InternalError("a fault occurred in an unsafe memory access operation");
                }
                return normal.handle(request, reply, completion);
            }

            @Override
            public Served answerFailure(ByteBuf request, ByteBuf reply, io.virtiofs.api.Errno errno) {
                return normal.answerFailure(request, reply, errno);
            }
        });
        driver.submit(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 61, 1), 512);
        assertQueueOneBrokeWith("MEMORY_FAULT");
        ByteBuf reply = driver.exchange(2, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 62, 2), 512);
        assertArrayEquals(VirtioFsDeviceTest.expectedGetattrReply(WireOrder.LITTLE_ENDIAN, 62, 2),
                ByteBufUtil.getBytes(reply), "queue 2 still serves");
    }
}
