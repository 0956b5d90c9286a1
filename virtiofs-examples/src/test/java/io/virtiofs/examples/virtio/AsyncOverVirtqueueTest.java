package io.virtiofs.examples.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.examples.async.LaterFileSystem;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.AttrOut;
import io.virtiofs.protocol.message.CreateIn;
import io.virtiofs.protocol.message.CreateOut;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.FuseRequest;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.InterruptIn;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.testkit.mock.MockDriver;
import io.virtiofs.testkit.wire.Replies;
import io.virtiofs.testkit.wire.Requests;
import io.virtiofs.transport.device.VirtioFsDevice;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An asynchronous file system served through the virtio-fs device and driven by the MockDriver:
 * requests complete later, from other threads and out of order, and go back through their queue's
 * worker; small requests are answered while slow reads are pending; a pending read is interrupted
 * through hiprio; a device reset with reads pending ends them.
 */
@Timeout(60)
class AsyncOverVirtqueueTest {

    private static final int REPLY = 64 * 1024;

    private final AtomicLong uniques = new AtomicLong(100);

    private static ByteBuf encode(WireFormat format, Opcode opcode, long unique, long nodeid, FuseRequest body) {
        return Requests.encode(FuseMessage.of(opcode, unique, nodeid, body), format);
    }

    private static int error(ByteBuf reply, WireFormat format) {
        return OutHeader.decode(reply.duplicate(), format.order()).error();
    }

    /** A file of {@code size} bytes written through the device; its node and handle. */
    private CreateOut file(MockDriver driver, WireFormat format, String name, byte[] content) throws Exception {
        ByteBuf create = encode(format, Opcode.CREATE, uniques.addAndGet(2), 1,
                new CreateIn(02, 0100644, 0, 0, FileName.of(name)));
        ByteBuf reply = driver.exchange(1, create, REPLY);
        assertEquals(0, error(reply, format));
        CreateOut created = Replies.createOut(reply.skipBytes(OutHeader.SIZE), format);
        ByteBuf write = encode(format, Opcode.WRITE, uniques.addAndGet(2), created.entry().nodeid(),
                new WriteIn(created.open().fh(), 0, content.length, 0, 0, 0, io.netty.buffer.Unpooled.wrappedBuffer(content)));
        assertEquals(0, error(driver.exchange(1, write, REPLY), format));
        return created;
    }

    @ParameterizedTest(name = "{0}, request threads {1}")
    @CsvSource({"LITTLE_ENDIAN,0", "BIG_ENDIAN,0", "LITTLE_ENDIAN,2"})
    void readsCompleteLaterOutOfOrderAndSmallRequestsPassSlowOnes(WireOrder order, int requestThreads)
            throws Exception {
        LaterFileSystem fs = new LaterFileSystem(new MemFs());
        FuseServer server = new FuseServer(fs, FuseServerConfig.defaults());
        WireFormat format = WireFormat.current(order);
        try (VirtioFsDevice device = VirtioFsDevice.builder("later").requestQueues(1)
                .requestThreads(requestThreads, 64).build(server);
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults().withSlots(32))) {
            assertEquals(0, error(driver.exchange(1, encode(format, Opcode.INIT, 2, 0, new InitIn(7, 45, 1 << 20, 0)),
                    REPLY), format));
            byte[] slowContent = "the slow file".getBytes(StandardCharsets.UTF_8);
            CreateOut slow = file(driver, format, "slow", slowContent);
            CreateOut[] others = new CreateOut[8];
            for (int i = 0; i < others.length; i++) {
                others[i] = file(driver, format, "f" + i, ("file number " + i).getBytes(StandardCharsets.UTF_8));
            }
            fs.slow(slow.entry().nodeid());
            // Two slow reads go pending.
            int slowRead1 = driver.submit(1, encode(format, Opcode.READ, 9001, slow.entry().nodeid(),
                    new ReadIn(slow.open().fh(), 0, 4096, 0, 0, 0)), REPLY);
            int slowRead2 = driver.submit(1, encode(format, Opcode.READ, 9003, slow.entry().nodeid(),
                    new ReadIn(slow.open().fh(), 4, 4096, 0, 0, 0)), REPLY);
            assertTrue(fs.awaitSlow(2));
            // Meanwhile, on the same queue: reads and getattrs of the other files, each completed
            // later, out of order.
            Map<Integer, String> expected = new HashMap<>();
            for (int i = 0; i < others.length; i++) {
                String text = "file number " + i;
                CreateOut other = others[i];
                expected.put(driver.submit(1, encode(format, Opcode.READ, uniques.addAndGet(2), other.entry().nodeid(),
                        new ReadIn(other.open().fh(), 0, 4096, 0, 0, 0)), REPLY), text);
                expected.put(driver.submit(1, encode(format, Opcode.GETATTR, uniques.addAndGet(2),
                        other.entry().nodeid(), new GetattrIn(0, 0)), REPLY), "getattr " + text.length());
            }
            for (int i = 0; i < expected.size(); i++) {
                MockDriver.Completion done = driver.awaitCompletion(1);
                String want = expected.get(done.token());
                assertTrue(want != null, "completed " + done.token() + ", a slow read, before it was released");
                ByteBuf reply = done.reply();
                assertEquals(0, error(reply, format), () -> ByteBufUtil.hexDump(reply));
                ByteBuf body = reply.duplicate().skipBytes(OutHeader.SIZE);
                if (want.startsWith("getattr ")) {
                    assertEquals(Long.parseLong(want.substring(8)), Replies.attrOut(body, format).attr().size());
                } else {
                    assertEquals(want, body.toString(StandardCharsets.UTF_8));
                }
            }
            assertEquals(2, fs.slowWaiting(), "the slow reads are still pending");
            fs.releaseSlow();
            Map<Integer, String> slowReplies = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                MockDriver.Completion done = driver.awaitCompletion(1);
                slowReplies.put(done.token(), done.reply().duplicate().skipBytes(OutHeader.SIZE)
                        .toString(StandardCharsets.UTF_8));
            }
            assertEquals(Map.of(slowRead1, "the slow file", slowRead2, "slow file"), slowReplies);
            assertTrue(fs.completedLater.get() >= 18, "completed later: " + fs.completedLater.get());
        }
    }

    @Test
    void aPendingReadIsInterruptedThroughHiprio() throws Exception {
        LaterFileSystem fs = new LaterFileSystem(new MemFs());
        FuseServer server = new FuseServer(fs, FuseServerConfig.defaults());
        WireFormat format = WireFormat.current(WireOrder.LITTLE_ENDIAN);
        try (VirtioFsDevice device = VirtioFsDevice.builder("later").build(server);
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults())) {
            driver.exchange(1, encode(format, Opcode.INIT, 2, 0, new InitIn(7, 45, 1 << 20, 0)), REPLY);
            CreateOut slow = file(driver, format, "slow", new byte[] {1, 2, 3});
            fs.slow(slow.entry().nodeid());
            int token = driver.submit(1, encode(format, Opcode.READ, 7001, slow.entry().nodeid(),
                    new ReadIn(slow.open().fh(), 0, 10, 0, 0, 0)), REPLY);
            assertTrue(fs.awaitSlow(1));
            assertEquals(0, driver.exchange(0, encode(format, Opcode.INTERRUPT, 7003, 0, new InterruptIn(7001)), 0)
                    .readableBytes());
            MockDriver.Completion done = driver.awaitCompletion(1);
            assertEquals(token, done.token());
            assertEquals(-Errno.EINTR.code(), error(done.reply(), format));
            assertEquals(1, fs.cancelled.get());
            assertEquals(1, server.statistics().interruptsDelivered());
        }
    }

    @Test
    void aDeviceResetWithReadsPendingEndsThemAndReturnsBeforeItsDeadline() throws Exception {
        LaterFileSystem fs = new LaterFileSystem(new MemFs());
        FuseServer server = new FuseServer(fs, FuseServerConfig.defaults());
        WireFormat format = WireFormat.current(WireOrder.BIG_ENDIAN);
        try (VirtioFsDevice device = VirtioFsDevice.builder("later").stopTimeout(Duration.ofSeconds(20)).build(server);
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults())) {
            driver.exchange(1, encode(format, Opcode.INIT, 2, 0, new InitIn(7, 45, 1 << 20, 0)), REPLY);
            CreateOut slow = file(driver, format, "slow", new byte[] {1, 2, 3});
            fs.slow(slow.entry().nodeid());
            for (int i = 0; i < 3; i++) {
                driver.submit(1, encode(format, Opcode.READ, 8001 + 2L * i, slow.entry().nodeid(),
                        new ReadIn(slow.open().fh(), 0, 10, 0, 0, 0)), REPLY);
            }
            assertTrue(fs.awaitSlow(3));
            long started = System.nanoTime();
            device.reset();
            long took = System.nanoTime() - started;
            assertTrue(took < Duration.ofSeconds(10).toNanos(), "the reset waited " + Duration.ofNanos(took));
            assertEquals(3, fs.cancelled.get(), "every pending read was cancelled");
            assertEquals(0, fs.slowWaiting());
            assertEquals(0, device.status().bits(), "the device is reset");
        }
    }
}
