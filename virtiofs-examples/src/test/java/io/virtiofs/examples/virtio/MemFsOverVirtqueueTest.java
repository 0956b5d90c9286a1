package io.virtiofs.examples.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.FileName;
import io.virtiofs.api.ForwardingFileSystem;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.protocol.InitFlags;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireFormat;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.CreateIn;
import io.virtiofs.protocol.message.CreateOut;
import io.virtiofs.protocol.message.DirentplusOut;
import io.virtiofs.protocol.message.EmptyIn;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.protocol.message.ForgetIn;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.FuseRequest;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.InitIn;
import io.virtiofs.protocol.message.InitOut;
import io.virtiofs.protocol.message.InterruptIn;
import io.virtiofs.protocol.message.MkdirIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.OpenIn;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.message.ReleaseIn;
import io.virtiofs.protocol.message.RenameIn;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.message.WriteOut;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.testkit.mock.MockDriver;
import io.virtiofs.testkit.wire.Replies;
import io.virtiofs.testkit.wire.Requests;
import io.virtiofs.transport.device.VirtioFsDevice;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * memfs served by the FuseServer through the virtio-fs device, driven through real split
 * virtqueues by the in-process MockDriver: whole sessions in both byte orders and chain shapes,
 * several request queues at once, and an interrupt through hiprio.
 */
@Timeout(60)
class MemFsOverVirtqueueTest {

    private static final int REPLY = 64 * 1024;

    /** The driver's side of one session: encodes requests, sends them on a queue, decodes replies. */
    private static final class Session {
        final MockDriver driver;
        final WireFormat format;
        final AtomicLong uniques = new AtomicLong(2);

        Session(MockDriver driver, WireOrder order) {
            this.driver = driver;
            this.format = WireFormat.current(order);
        }

        ByteBuf send(int queue, Opcode opcode, long nodeid, FuseRequest body) throws Exception {
            return send(queue, FuseMessage.of(opcode, uniques.addAndGet(2), nodeid, body));
        }

        ByteBuf send(int queue, FuseMessage message) throws Exception {
            ByteBuf request = Requests.encode(message, format);
            try {
                ByteBuf reply = driver.exchange(queue, request, REPLY);
                return Unpooled.copiedBuffer(reply);
            } finally {
                request.release();
            }
        }

        /** The body of a successful reply (the header checked). */
        ByteBuf ok(ByteBuf reply) {
            OutHeader header = OutHeader.decode(reply, format.order());
            assertEquals(0, header.error(), () -> "error reply " + header);
            assertEquals(header.len(), reply.readableBytes() + OutHeader.SIZE);
            return reply;
        }

        int error(ByteBuf reply) {
            return OutHeader.decode(reply, format.order()).error();
        }
    }

    @ParameterizedTest(name = "{0}, indirect={1}, scattered={2}")
    @CsvSource({"LITTLE_ENDIAN,false,false", "BIG_ENDIAN,false,false", "LITTLE_ENDIAN,true,true",
            "BIG_ENDIAN,true,false", "BIG_ENDIAN,false,true"})
    void aWholeSessionThroughTheRings(WireOrder order, boolean indirect, boolean scattered) throws Exception {
        MemFs memfs = new MemFs();
        FuseServer server = new FuseServer(memfs, FuseServerConfig.defaults());
        try (VirtioFsDevice device = VirtioFsDevice.builder("memfs").requestQueues(1).build(server);
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults().withIndirect(indirect)
                     .withScatter(scattered))) {
            Session s = new Session(driver, order);
            InitOut init = Replies.initOut(s.ok(s.send(1, Opcode.INIT, 0, new InitIn(7, 45, 1 << 20,
                    InitFlags.flags(EnumSet.allOf(io.virtiofs.protocol.InitFlag.class))))), s.format);
            assertEquals(45, init.minor());
            assertTrue(server.negotiation().orElseThrow().accepts(io.virtiofs.api.Capability.DO_READDIRPLUS));

            assertEquals(-Errno.ENOENT.code(), s.error(s.send(1, Opcode.LOOKUP, 1, new NameIn(FileName.of("a")))));
            CreateOut created = Replies.createOut(s.ok(s.send(1, Opcode.CREATE, 1,
                    new CreateIn(02 /* O_RDWR */, 0100644, 022, 0, FileName.of("a")))), s.format);
            long file = created.entry().nodeid();
            long fh = created.open().fh();
            byte[] data = "through the virtqueue".getBytes(StandardCharsets.UTF_8);
            WriteOut written = Replies.writeOut(s.ok(s.send(1, Opcode.WRITE, file,
                    new WriteIn(fh, 0, data.length, 0, 0, 0, Unpooled.wrappedBuffer(data)))), s.format);
            assertEquals(data.length, written.size());
            ByteBuf read = s.ok(s.send(1, Opcode.READ, file, new ReadIn(fh, 8, 100, 0, 0, 0)));
            assertEquals("the virtqueue", read.toString(StandardCharsets.UTF_8));
            s.ok(s.send(1, Opcode.MKDIR, 1, new MkdirIn(0755, 0, FileName.of("d"))));

            long dirFh = Replies.openOut(s.ok(s.send(1, Opcode.OPENDIR, 1, new OpenIn(0, 0))), s.format).fh();
            DirentplusOut listing = Replies.direntplusOut(s.ok(s.send(1, Opcode.READDIRPLUS, 1,
                    new ReadIn(dirFh, 0, 8192, 0, 0, 0))), s.format);
            List<String> names = listing.entries().stream().map(e -> e.dirent().name().toString()).sorted().toList();
            assertEquals(List.of(".", "..", "a", "d"), names);
            s.ok(s.send(1, Opcode.RELEASEDIR, 1, new ReleaseIn(dirFh, 0, 0, 0)));

            s.ok(s.send(1, Opcode.RENAME, 1, new RenameIn(1, FileName.of("a"), FileName.of("b"))));
            EntryOut moved = Replies.entryOut(s.ok(s.send(1, Opcode.LOOKUP, 1, new NameIn(FileName.of("b")))),
                    s.format);
            assertEquals(file, moved.nodeid());
            assertEquals(data.length, moved.attr().size());
            // create + readdirplus + lookup: three lookups of the file are held
            assertEquals(3, server.lookupCount(file));
            s.ok(s.send(1, Opcode.GETATTR, file, new GetattrIn(GetattrIn.GETATTR_FH, fh)));
            s.ok(s.send(1, Opcode.RELEASE, file, new ReleaseIn(fh, 02, 0, 0)));

            // FORGET travels on hiprio and takes no reply: the used length is 0.
            ByteBuf request = Requests.encode(FuseMessage.of(Opcode.FORGET, s.uniques.addAndGet(2), file,
                    new ForgetIn(3)), s.format);
            ByteBuf forgetReply = driver.exchange(0, request, 0);
            request.release();
            assertEquals(0, forgetReply.readableBytes());
            assertEquals(0, server.lookupCount(file));

            s.ok(s.send(1, Opcode.DESTROY, 0, new EmptyIn()));
            assertTrue(server.negotiation().isEmpty());
        }
    }

    @Test
    void severalRequestQueuesServeConcurrently() throws Exception {
        int queues = 4;
        MemFs memfs = new MemFs();
        FuseServer server = new FuseServer(memfs, FuseServerConfig.defaults());
        try (VirtioFsDevice device = VirtioFsDevice.builder("multi").requestQueues(queues).build(server);
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults())) {
            Session s = new Session(driver, WireOrder.LITTLE_ENDIAN);
            s.ok(s.send(1, Opcode.INIT, 0, new InitIn(7, 45, 1 << 20, 0)));
            ExecutorService pool = Executors.newFixedThreadPool(queues);
            try {
                List<Future<?>> done = new ArrayList<>();
                CountDownLatch start = new CountDownLatch(1);
                for (int q = 1; q <= queues; q++) {
                    int queue = q;
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < 50; i++) {
                            String name = "q" + queue + "-" + i;
                            CreateOut c = Replies.createOut(s.ok(s.send(queue, Opcode.CREATE, 1,
                                    new CreateIn(02, 0100644, 0, 0, FileName.of(name)))), s.format);
                            byte[] content = (name + " content").getBytes(StandardCharsets.UTF_8);
                            s.ok(s.send(queue, Opcode.WRITE, c.entry().nodeid(),
                                    new WriteIn(c.open().fh(), 0, content.length, 0, 0, 0, Unpooled.wrappedBuffer(content))));
                            ByteBuf back = s.ok(s.send(queue, Opcode.READ, c.entry().nodeid(),
                                    new ReadIn(c.open().fh(), 0, 4096, 0, 0, 0)));
                            assertEquals(name + " content", back.toString(StandardCharsets.UTF_8));
                            s.ok(s.send(queue, Opcode.RELEASE, c.entry().nodeid(), new ReleaseIn(c.open().fh(), 02, 0, 0)));
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get(50, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            for (int q = 1; q <= queues; q++) {
                assertTrue(server.statistics().requests(Opcode.CREATE) >= 200);
                EntryOut last = Replies.entryOut(s.ok(s.send(q, Opcode.LOOKUP, 1,
                        new NameIn(FileName.of("q" + q + "-49")))), s.format);
                assertEquals(("q" + q + "-49 content").length(), last.attr().size());
            }
        }
    }

    @Test
    void aLockWaitDoesNotStallItsQueue() throws Exception {
        FuseServer server = new FuseServer(new MemFs(), FuseServerConfig.defaults());
        try (VirtioFsDevice device = VirtioFsDevice.builder("locks").build(server);
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults())) {
            Session s = new Session(driver, WireOrder.LITTLE_ENDIAN);
            s.ok(s.send(1, Opcode.INIT, 0, new InitIn(7, 45, 1 << 20,
                    InitFlags.flags(EnumSet.allOf(io.virtiofs.protocol.InitFlag.class)))));
            CreateOut c = Replies.createOut(s.ok(s.send(1, Opcode.CREATE, 1,
                    new CreateIn(02, 0100644, 0, 0, FileName.of("locked")))), s.format);
            long node = c.entry().nodeid();
            long fh = c.open().fh();
            io.virtiofs.api.FileLock whole = new io.virtiofs.api.FileLock(0, Long.MAX_VALUE,
                    io.virtiofs.api.FileLock.F_WRLCK, 10);
            s.ok(s.send(1, Opcode.SETLK, node, new io.virtiofs.protocol.message.LkIn(fh, 1, whole, 0)));
            // Owner 2 waits for the lock, on the only request queue, which has no request pool.
            ByteBuf wait = Requests.encode(FuseMessage.of(Opcode.SETLKW, 5000, node,
                    new io.virtiofs.protocol.message.LkIn(fh, 2, new io.virtiofs.api.FileLock(0, Long.MAX_VALUE,
                    io.virtiofs.api.FileLock.F_WRLCK, 20), 0)), s.format);
            int waiting = driver.submit(1, wait, REPLY);
            wait.release();
            // The queue still serves: owner 1 unlocks through it, and the waiter then gets the lock.
            ByteBuf unlock = Requests.encode(FuseMessage.of(Opcode.SETLK, 5002, node,
                    new io.virtiofs.protocol.message.LkIn(fh, 1, new io.virtiofs.api.FileLock(0, Long.MAX_VALUE,
                    io.virtiofs.api.FileLock.F_UNLCK, 10), 0)), s.format);
            int unlocking = driver.submit(1, unlock, REPLY);
            unlock.release();
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                MockDriver.Completion done = driver.awaitCompletion(1);
                assertEquals(0, OutHeader.decode(done.reply(), s.format.order()).error());
                order.add(done.token());
            }
            assertEquals(List.of(unlocking, waiting), order, "the unlock completes first, then the wait");
        }
    }

    @Test
    void aSlowRequestIsInterruptedThroughHiprio() throws Exception {
        CountDownLatch reading = new CountDownLatch(1);
        MemFs memfs = new MemFs();
        ForwardingFileSystem slow = new ForwardingFileSystem(memfs) {
            @Override
            public void read(Context ctx, ReadRequest request, ByteBuf dst) {
                reading.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!ctx.isCancelled() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                ctx.checkCancelled();
                super.read(ctx, request, dst);
            }
        };
        FuseServer server = new FuseServer(slow, FuseServerConfig.defaults());
        try (VirtioFsDevice device = VirtioFsDevice.builder("slow").build(server);
             MockDriver driver = MockDriver.connect(device, MockDriver.Options.defaults())) {
            Session s = new Session(driver, WireOrder.BIG_ENDIAN);
            s.ok(s.send(1, Opcode.INIT, 0, new InitIn(7, 45, 1 << 20, 0)));
            CreateOut c = Replies.createOut(s.ok(s.send(1, Opcode.CREATE, 1,
                    new CreateIn(02, 0100644, 0, 0, FileName.of("f")))), s.format);
            long unique = 9000;
            ByteBuf read = Requests.encode(FuseMessage.of(Opcode.READ, unique, c.entry().nodeid(),
                    new ReadIn(c.open().fh(), 0, 10, 0, 0, 0)), s.format);
            int token = driver.submit(1, read, REPLY);
            read.release();
            assertTrue(reading.await(20, TimeUnit.SECONDS));
            ByteBuf interrupt = Requests.encode(FuseMessage.of(Opcode.INTERRUPT, 9002, 0, new InterruptIn(unique)),
                    s.format);
            assertEquals(0, driver.exchange(0, interrupt, 0).readableBytes());
            interrupt.release();
            MockDriver.Completion completion = driver.awaitCompletion(1);
            assertEquals(token, completion.token());
            assertEquals(-Errno.EINTR.code(), OutHeader.decode(completion.reply(), s.format.order()).error(),
                    () -> ByteBufUtil.hexDump(completion.reply()));
            assertEquals(1, server.statistics().interruptsDelivered());
        }
    }
}
