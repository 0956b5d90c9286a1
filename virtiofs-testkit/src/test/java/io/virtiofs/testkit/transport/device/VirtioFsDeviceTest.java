package io.virtiofs.testkit.transport.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.AttrOut;
import io.virtiofs.protocol.message.InitOut;
import io.virtiofs.testkit.mock.MockDriver;
import io.virtiofs.testkit.wire.Replies;
import io.virtiofs.transport.device.DeviceStatus;
import io.virtiofs.transport.device.VirtioFeature;
import io.virtiofs.transport.device.VirtioFsDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(30)
class VirtioFsDeviceTest {

    private final TestFuseHandler handler = new TestFuseHandler();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
    }

    private VirtioFsDevice device(VirtioFsDevice.Builder builder) {
        VirtioFsDevice device = builder.build(handler);
        resources.add(device);
        return device;
    }

    private MockDriver connect(VirtioFsDevice device, MockDriver.Options options) {
        MockDriver driver = MockDriver.connect(device, options);
        resources.add(driver);
        return driver;
    }

    static byte[] expectedGetattrReply(WireOrder order, long unique, long nodeid) {
        ByteBuf expected = Unpooled.buffer();
        OutHeader.encode(expected, order, OutHeader.SIZE + AttrOut.SIZE, 0, unique);
        new AttrOut(1, 500, TestFuseHandler.attrOf(nodeid)).encode(expected, WireFormat.current(order));
        return ByteBufUtil.getBytes(expected);
    }

    static Stream<Arguments> ordersAndShapes() {
        MockDriver.Options plain = MockDriver.Options.defaults();
        return Stream.of(WireOrder.values()).flatMap(order -> Stream.of(
                Arguments.of(order, "one descriptor each way", plain),
                Arguments.of(order, "header and body apart", plain.withScatter(true)),
                Arguments.of(order, "through indirect tables", plain.withScatter(true).withIndirect(true)),
                Arguments.of(order, "without EVENT_IDX or INDIRECT", plain.withFeatures(VirtioFeature.VERSION_1.mask())),
                Arguments.of(order, "indexes wrapping", plain.withStartIndex(0xfffd))));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("ordersAndShapes")
    void initAndGetattrRoundTrip(WireOrder order, String shape, MockDriver.Options options) throws Exception {
        VirtioFsDevice device = device(VirtioFsDevice.builder("roundtrip"));
        MockDriver driver = connect(device, options);

        ByteBuf init = driver.exchange(1, FuseMessages.init(order, 1), 4096);
        assertEquals(OutHeader.SIZE + InitOut.SIZE, init.readableBytes());
        OutHeader initHeader = OutHeader.decode(init, order);
        assertEquals(new OutHeader(80, 0, 1), initHeader);
        InitOut initOut = Replies.initOut(init, WireFormat.current(order));
        assertEquals(7, initOut.major());
        assertEquals(45, initOut.minor());

        for (int i = 0; i < 5; i++) {
            long unique = 2 + i;
            long nodeid = 0x1234_5678L + i;
            ByteBuf reply = driver.exchange(1, FuseMessages.getattr(order, unique, nodeid), 4096);
            assertArrayEquals(expectedGetattrReply(order, unique, nodeid), ByteBufUtil.getBytes(reply), shape);
        }
        assertTrue(handler.seen().stream().allMatch(s -> s.thread().equals("virtiofs-roundtrip-q1")),
                "requests of queue 1 run on its worker");
    }

    @Test
    void forgetIsUsedWithZeroBytesOnEitherQueue() throws Exception {
        VirtioFsDevice device = device(VirtioFsDevice.builder("forget"));
        MockDriver driver = connect(device, MockDriver.Options.defaults());
        assertEquals(0, driver.exchange(VirtioFsDevice.HIPRIO_QUEUE,
                FuseMessages.forget(WireOrder.LITTLE_ENDIAN, 3, 9, 1), 256).readableBytes());
        assertEquals(0, driver.exchange(1, FuseMessages.forget(WireOrder.LITTLE_ENDIAN, 4, 9, 1), 256).readableBytes(),
                "a FORGET on a request queue goes to the handler too");
        assertEquals(List.of("virtiofs-forget-q0", "virtiofs-forget-q1"),
                handler.seen().stream().map(TestFuseHandler.Seen::thread).toList());
    }

    @Test
    void normalRequestOnHiprioIsServedThere() throws Exception {
        VirtioFsDevice device = device(VirtioFsDevice.builder("hiprio"));
        MockDriver driver = connect(device, MockDriver.Options.defaults());
        ByteBuf reply = driver.exchange(0, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 5, 77), 4096);
        assertArrayEquals(expectedGetattrReply(WireOrder.LITTLE_ENDIAN, 5, 77), ByteBufUtil.getBytes(reply));
        assertFalse(device.status().has(DeviceStatus.DEVICE_NEEDS_RESET));
    }

    @Test
    void handlerFailureIsAnsweredWithEio() throws Exception {
        VirtioFsDevice device = device(VirtioFsDevice.builder("failing"));
        MockDriver driver = connect(device, MockDriver.Options.defaults());
        driver.exchange(1, FuseMessages.init(WireOrder.BIG_ENDIAN, 1), 4096);
        handler.fail(0x0102_0304_0506_0708L);
        ByteBuf reply = driver.exchange(1, FuseMessages.getattr(WireOrder.BIG_ENDIAN, 0x0102_0304_0506_0708L, 1), 4096);
        ByteBuf expected = Unpooled.buffer();
        OutHeader.encode(expected, WireOrder.BIG_ENDIAN, OutHeader.SIZE, -Errno.EIO.code(), 0x0102_0304_0506_0708L);
        assertArrayEquals(ByteBufUtil.getBytes(expected), ByteBufUtil.getBytes(reply));
        ByteBuf next = driver.exchange(1, FuseMessages.getattr(WireOrder.BIG_ENDIAN, 9, 2), 4096);
        assertArrayEquals(expectedGetattrReply(WireOrder.BIG_ENDIAN, 9, 2), ByteBufUtil.getBytes(next),
                "the worker lives on");
    }

    @Test
    void severalRequestQueuesServeConcurrently() throws Exception {
        int queues = 4;
        VirtioFsDevice device = device(VirtioFsDevice.builder("parallel").requestQueues(queues));
        MockDriver driver = connect(device, MockDriver.Options.defaults().withSpinIterations(100));
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int q = 1; q <= queues; q++) {
            int queue = q;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                    for (int i = 0; i < 400; i++) {
                        long unique = queue * 100_000L + i;
                        long nodeid = queue * 1000L + i;
                        WireOrder order = WireOrder.LITTLE_ENDIAN;
                        ByteBuf reply = driver.exchange(queue, FuseMessages.getattr(order, unique, nodeid), 512);
                        if (!java.util.Arrays.equals(expectedGetattrReply(order, unique, nodeid),
                                ByteBufUtil.getBytes(reply))) {
                            throw new AssertionError("queue " + queue + " request " + i + ": wrong reply");
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(List.of(), failures);
        for (TestFuseHandler.Seen seen : handler.seen()) {
            assertEquals("virtiofs-parallel-q" + seen.unique() / 100_000, seen.thread(),
                    "each request ran on the worker of the queue it came from");
        }
        assertEquals(1600, handler.seen().size());
    }

    @Test
    void slowRequestCompletesAfterAFastOneOnTheSameQueue() throws Exception {
        VirtioFsDevice device = device(VirtioFsDevice.builder("ooo").requestThreads(2, 8));
        MockDriver driver = connect(device, MockDriver.Options.defaults());
        WireOrder order = WireOrder.LITTLE_ENDIAN;
        CountDownLatch slowGate = handler.gate(10);
        int slow = driver.submit(1, FuseMessages.getattr(order, 10, 100), 512);
        assertTrue(handler.started(10).await(10, TimeUnit.SECONDS));
        int fast = driver.submit(1, FuseMessages.getattr(order, 11, 101), 512);

        MockDriver.Completion first = driver.awaitCompletion(1);
        assertEquals(fast, first.token());
        assertArrayEquals(expectedGetattrReply(order, 11, 101), ByteBufUtil.getBytes(first.reply()));

        slowGate.countDown();
        MockDriver.Completion second = driver.awaitCompletion(1);
        assertEquals(slow, second.token());
        assertEquals(OutHeader.SIZE + AttrOut.SIZE, second.usedLength());
        assertArrayEquals(expectedGetattrReply(order, 10, 100), ByteBufUtil.getBytes(second.reply()));
        assertTrue(handler.seen().stream().allMatch(s -> s.thread().startsWith("virtiofs-ooo-req-")),
                "requests ran on the pool");
    }

    @Test
    void slowRequestIsInterruptedThroughHiprio() throws Exception {
        VirtioFsDevice device = device(VirtioFsDevice.builder("interrupt"));
        MockDriver driver = connect(device, MockDriver.Options.defaults());
        WireOrder order = WireOrder.BIG_ENDIAN;
        driver.exchange(1, FuseMessages.init(order, 1), 4096);
        handler.waitForInterrupt(20);
        driver.submit(1, FuseMessages.getattr(order, 20, 5), 512);
        assertTrue(handler.started(20).await(10, TimeUnit.SECONDS), "queue 1's worker is inside the slow request");

        assertEquals(0, driver.exchange(VirtioFsDevice.HIPRIO_QUEUE, FuseMessages.interrupt(order, 21, 20), 256)
                .readableBytes(), "INTERRUPT takes no reply");

        MockDriver.Completion interrupted = driver.awaitCompletion(1);
        ByteBuf expected = Unpooled.buffer();
        OutHeader.encode(expected, order, OutHeader.SIZE, -Errno.EINTR.code(), 20);
        assertArrayEquals(ByteBufUtil.getBytes(expected), ByteBufUtil.getBytes(interrupted.reply()));
    }

    @Test
    void stoppedQueueReportsWhereItWouldContinueAndRestartsThere() throws Exception {
        VirtioFsDevice device = device(VirtioFsDevice.builder("stop"));
        MockDriver driver = connect(device, MockDriver.Options.defaults().withStartIndex(0xfff0));
        for (int i = 0; i < 20; i++) {
            driver.exchange(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, i, i), 512);
        }
        assertEquals(4, device.stopQueue(1), "0xfff0 + 20 wraps to 4");
        assertFalse(device.isQueueRunning(1));
        assertEquals(4, device.stopQueue(1), "stopping again changes nothing");
        device.startQueue(1);
        ByteBuf reply = driver.exchange(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 99, 3), 512);
        assertArrayEquals(expectedGetattrReply(WireOrder.LITTLE_ENDIAN, 99, 3), ByteBufUtil.getBytes(reply));
        assertEquals(5, device.stopQueue(1));
    }

    @Test
    void disabledQueueTakesNoChainsUntilEnabled() throws Exception {
        VirtioFsDevice device = device(VirtioFsDevice.builder("enable"));
        MockDriver driver = connect(device, MockDriver.Options.defaults());
        device.setQueueEnabled(1, false);
        int token = driver.submit(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 1, 1), 512);
        assertFalse(driver.queue(1).awaitUsed(200, TimeUnit.MILLISECONDS, 0), "a disabled queue is not served");
        assertTrue(handler.seen().isEmpty());
        device.setQueueEnabled(1, true);
        assertEquals(token, driver.awaitCompletion(1).token());
    }

    @Test
    void driverGoingAwayResetsTheDeviceAndEndsTheSession() throws Exception {
        VirtioFsDevice device = device(VirtioFsDevice.builder("reset"));
        MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults());
        driver.exchange(1, FuseMessages.init(WireOrder.LITTLE_ENDIAN, 1), 4096);
        assertEquals(new DeviceStatus(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK
                | DeviceStatus.DRIVER_OK), device.status());
        int endedAtConnect = handler.sessionsEnded();
        driver.close();
        assertEquals(endedAtConnect + 1, handler.sessionsEnded());
        assertEquals(DeviceStatus.RESET, device.status());
        assertEquals(0, device.driverFeatures());
        for (int q = 0; q < device.queueCount(); q++) {
            assertFalse(device.isQueueRunning(q));
        }
        MockDriver again = connect(device, MockDriver.Options.defaults());
        ByteBuf reply = again.exchange(1, FuseMessages.getattr(WireOrder.LITTLE_ENDIAN, 2, 2), 512);
        assertArrayEquals(expectedGetattrReply(WireOrder.LITTLE_ENDIAN, 2, 2), ByteBufUtil.getBytes(reply));
    }
}
