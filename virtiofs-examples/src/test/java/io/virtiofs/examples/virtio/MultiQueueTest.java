package io.virtiofs.examples.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Context;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.ForwardingFileSystem;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.BatchForgetIn;
import io.virtiofs.protocol.message.CreateIn;
import io.virtiofs.protocol.message.CreateOut;
import io.virtiofs.protocol.message.ForgetIn;
import io.virtiofs.protocol.message.ForgetOne;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.FuseRequest;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.ReleaseIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.testkit.mock.MockDriver;
import io.virtiofs.testkit.wire.Replies;
import io.virtiofs.testkit.wire.Requests;
import io.virtiofs.transport.device.VirtioFsDevice;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several request queues: a request held inside the file system on one queue stops neither the
 * other request queues nor hiprio, and every reply comes back on the queue its request came from.
 * The guest-side twin is harness/workloads/multiqueue.sh.
 */
@Timeout(60)
class MultiQueueTest {

    private static final int REPLY = 64 * 1024;
    private static final FileName HOLD = FileName.of("hold");

    /** memfs whose LOOKUP of "hold" waits inside the file system until released (or 30 s). */
    private static final class HoldingFs extends ForwardingFileSystem {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean inside = new AtomicBoolean();
        volatile String heldOn = "";

        HoldingFs() {
            super(new MemFs());
        }

        @Override
        public Entry lookup(Context ctx, long parent, FileName name) {
            if (name.equals(HOLD)) {
                inside.set(true);
                heldOn = Thread.currentThread().getName();
                entered.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    inside.set(false);
                }
                throw new ErrnoException(Errno.ENOENT);
            }
            return super.lookup(ctx, parent, name);
        }
    }

    private static final class Wire {
        final MockDriver driver;
        final WireFormat format = WireFormat.current(WireOrder.LITTLE_ENDIAN);
        long unique = 100;

        Wire(MockDriver driver) {
            this.driver = driver;
        }

        ByteBuf encode(Opcode opcode, long uniqueId, long nodeid, FuseRequest body) {
            return Requests.encode(FuseMessage.of(opcode, uniqueId, nodeid, body), format);
        }

        /** Sends and waits; checks the reply answers this request (its unique) without an error. */
        ByteBuf ok(int queue, Opcode opcode, long nodeid, FuseRequest body) throws Exception {
            long id = unique += 2;
            ByteBuf request = encode(opcode, id, nodeid, body);
            try {
                ByteBuf reply = Unpooled.copiedBuffer(driver.exchange(queue, request, REPLY));
                OutHeader header = OutHeader.decode(reply, format.order());
                assertEquals(id, header.unique(), "the reply on queue " + queue + " answers its request");
                assertEquals(0, header.error(), () -> opcode + " on queue " + queue + ": " + header);
                return reply;
            } finally {
                request.release();
            }
        }

        /** Sends a request that takes no reply (FORGET, BATCH_FORGET): the used length is 0. */
        void noReply(int queue, Opcode opcode, long nodeid, FuseRequest body) throws Exception {
            ByteBuf request = encode(opcode, unique += 2, nodeid, body);
            try {
                assertEquals(0, driver.exchange(queue, request, 0).readableBytes());
            } finally {
                request.release();
            }
        }

        int submit(int queue, Opcode opcode, long uniqueId, long nodeid, FuseRequest body) {
            ByteBuf request = encode(opcode, uniqueId, nodeid, body);
            try {
                return driver.submit(queue, request, REPLY);
            } finally {
                request.release();
            }
        }
    }

    /**
     * Queue 1 holds a LOOKUP inside the file system; queue 2 creates, writes, reads and releases a
     * file meanwhile, and hiprio takes a FORGET and a BATCH_FORGET. With no request pool (each queue
     * on its own thread, serve's default) a second request on queue 1 waits behind the held one,
     * which shows the hold really occupies queue 1; with a pool it does not.
     */
    @ParameterizedTest(name = "request pool of {0} threads")
    @ValueSource(ints = {0, 4})
    void aRequestHeldInTheFileSystemStopsNoOtherQueue(int poolThreads) throws Exception {
        HoldingFs fs = new HoldingFs();
        FuseServer server = new FuseServer(fs, FuseServerConfig.defaults());
        try (VirtioFsDevice device = VirtioFsDevice.builder("mq").requestQueues(2).requestThreads(poolThreads, 64)
                .build(server);
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults())) {
            Wire w = new Wire(driver);
            w.ok(1, Opcode.INIT, 0, new InitIn(7, 45, 1 << 20, 0));

            long heldUnique = 7001;
            int held = w.submit(1, Opcode.LOOKUP, heldUnique, 1, new NameIn(HOLD));
            assertTrue(fs.entered.await(20, TimeUnit.SECONDS), "the LOOKUP reached the file system");
            long behindUnique = 7003;
            int behind = w.submit(1, Opcode.GETATTR, behindUnique, 1, new GetattrIn(0, 0));

            // Queue 2 serves a whole file's life while queue 1's request is held.
            CreateOut created = Replies.createOut(w.ok(2, Opcode.CREATE, 1,
                    new CreateIn(02, 0100644, 022, 0, FileName.of("other-queue"))), w.format);
            long node = created.entry().nodeid();
            long fh = created.open().fh();
            byte[] data = "served beside a held request".getBytes(StandardCharsets.UTF_8);
            w.ok(2, Opcode.WRITE, node, new WriteIn(fh, 0, data.length, 0, 0, 0, Unpooled.wrappedBuffer(data)));
            assertEquals("beside a held request", w.ok(2, Opcode.READ, node, new ReadIn(fh, 7, 100, 0, 0, 0))
                    .toString(StandardCharsets.UTF_8));
            w.ok(2, Opcode.RELEASE, node, new ReleaseIn(fh, 02, 0, 0));
            w.ok(2, Opcode.LOOKUP, 1, new NameIn(FileName.of("other-queue")));
            // Hiprio too: the create's and the lookup's references are forgotten there.
            w.noReply(VirtioFsDevice.HIPRIO_QUEUE, Opcode.FORGET, node, new ForgetIn(1));
            w.noReply(VirtioFsDevice.HIPRIO_QUEUE, Opcode.BATCH_FORGET, 0,
                    new BatchForgetIn(List.of(new ForgetOne(node, 1))));
            assertEquals(0, server.lookupCount(node), "hiprio's forgets were applied");

            assertTrue(fs.inside.get(), "all of that happened while queue 1's LOOKUP was held");
            if (poolThreads == 0) {
                assertFalse(driver.queue(1).awaitUsed(300, TimeUnit.MILLISECONDS, 0),
                        "without a pool, queue 1's next request waits behind the held one");
            }

            fs.release.countDown();
            long[] uniques = new long[2];
            int[] tokens = new int[2];
            for (int i = 0; i < 2; i++) {
                MockDriver.Completion done = driver.awaitCompletion(1);
                OutHeader header = OutHeader.decode(done.reply(), w.format.order());
                tokens[i] = done.token();
                uniques[i] = header.unique();
                if (header.unique() == heldUnique) {
                    assertEquals(-Errno.ENOENT.code(), header.error());
                    assertEquals(held, done.token());
                } else {
                    assertEquals(behindUnique, header.unique(), "only queue 1's requests complete on queue 1");
                    assertEquals(0, header.error());
                    assertEquals(behind, done.token());
                }
            }
            assertTrue(uniques[0] != uniques[1], "each request completed once");
            if (poolThreads == 0) {
                assertEquals(List.of(held, behind), List.of(tokens[0], tokens[1]), "one thread serves queue 1 in order");
                assertEquals("virtiofs-mq-q1", fs.heldOn, "the held request ran on queue 1's own thread");
            } else {
                assertTrue(fs.heldOn.startsWith("virtiofs-mq-req-"), fs.heldOn);
            }
            assertEquals(0, driver.queue(2).pendingUsed(), "nothing of queue 1 came back on queue 2");
        }
    }

    /** The control: with one request queue the same work cannot get past the held request. */
    @Test
    void withOneQueueTheOtherWorkWaits() throws Exception {
        HoldingFs fs = new HoldingFs();
        FuseServer server = new FuseServer(fs, FuseServerConfig.defaults());
        try (VirtioFsDevice device = VirtioFsDevice.builder("one").requestQueues(1).build(server);
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults())) {
            Wire w = new Wire(driver);
            w.ok(1, Opcode.INIT, 0, new InitIn(7, 45, 1 << 20, 0));
            int held = w.submit(1, Opcode.LOOKUP, 9001, 1, new NameIn(HOLD));
            assertTrue(fs.entered.await(20, TimeUnit.SECONDS));
            int create = w.submit(1, Opcode.CREATE, 9003, 1, new CreateIn(02, 0100644, 022, 0, FileName.of("waits")));
            assertFalse(driver.queue(1).awaitUsed(300, TimeUnit.MILLISECONDS, 0), "the create waits behind the hold");
            fs.release.countDown();
            assertEquals(held, driver.awaitCompletion(1).token());
            assertEquals(create, driver.awaitCompletion(1).token());
        }
    }
}
