package io.virtiofs.testkit.protocol.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.AsyncFileSystem;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.ReadRequest;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.EntryOut;
import io.virtiofs.protocol.message.FuseMessage;
import io.virtiofs.protocol.message.GetattrIn;
import io.virtiofs.protocol.message.InterruptIn;
import io.virtiofs.protocol.message.NameIn;
import io.virtiofs.protocol.message.ReadIn;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.testkit.support.ErrorLogWatch;
import io.virtiofs.testkit.wire.Replies;
import io.virtiofs.testkit.wire.Requests;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An asynchronous file system through {@link FuseServer}: a read it completes later is answered
 * {@link Served#pending()} and finishes through the transport's {@link Completion}, from the
 * completing thread, in any order; other requests are answered meanwhile; interrupts, a stopping
 * transport and the end of the session reach pending requests; every request finishes once.
 */
@Timeout(60)
class AsyncCompletionTest {

    /** Reads complete when the test says so; lookups at once through the asynchronous path. */
    static class SlowReads extends TestFileSystem implements AsyncFileSystem {
        /** Reads waiting, by offset. */
        final Map<Long, CompletableFuture<Void>> reads = new ConcurrentHashMap<>();
        final Map<Long, ByteBuf> destinations = new ConcurrentHashMap<>();
        final Map<Long, Context> contexts = new ConcurrentHashMap<>();
        final BlockingQueue<Long> started = new ArrayBlockingQueue<>(64);

        @Override
        public CompletionStage<Void> readAsync(Context ctx, ReadRequest request, ByteBuf dst) {
            CompletableFuture<Void> stage = new CompletableFuture<>();
            reads.put(request.offset(), stage);
            destinations.put(request.offset(), dst);
            contexts.put(request.offset(), ctx);
            ctx.onCancel(() -> stage.completeExceptionally(new ErrnoException(Errno.EINTR, "interrupted")));
            started.add(request.offset());
            return stage;
        }

        /** Completes the read at {@code offset} with {@code text}, on another thread. */
        void complete(long offset, String text) throws Exception {
            CompletableFuture.runAsync(() -> {
                destinations.get(offset).writeBytes(text.getBytes(StandardCharsets.UTF_8));
                reads.get(offset).complete(null);
            }).get(10, TimeUnit.SECONDS);
        }

        long awaitStart() throws InterruptedException {
            Long offset = started.poll(10, TimeUnit.SECONDS);
            assertTrue(offset != null, "no read started");
            return offset;
        }
    }

    /** A transport's side: requests in flight with their reply buffers, completions as they come. */
    static final class Transport implements AutoCloseable {
        final FuseServer server;
        final WireOrder order;
        final ServerDriver driver;
        final BlockingQueue<Long> completed = new ArrayBlockingQueue<>(64);
        final Map<Long, ByteBuf> replies = new ConcurrentHashMap<>();
        final Map<Long, Served> results = new ConcurrentHashMap<>();

        Transport(AsyncFileSystem fs, WireOrder order) {
            this.server = new FuseServer(fs, FuseServerConfig.defaults());
            this.order = order;
            this.driver = new ServerDriver(server, order);
            assertTrue(server.mayCompleteLater());
            driver.init().assertOk();
        }

        /** Sends a request with a completion of its own; answers what handle() returned. */
        Served send(long unique, FuseMessage message) {
            ByteBuf request = Requests.encode(message, driver.format());
            ByteBuf reply = Unpooled.directBuffer(4096, 1 << 20);
            replies.put(unique, reply);
            Served served = server.handle(request, reply, done -> {
                assertFalse(done.isPending(), "a completion is final");
                assertTrue(results.putIfAbsent(unique, done) == null, "completed twice: " + unique);
                completed.add(unique);
            });
            if (!served.isPending()) {
                results.put(unique, served);
            }
            return served;
        }

        Served read(long unique, long offset) {
            return send(unique, FuseMessage.of(Opcode.READ, unique, 5, new ReadIn(1, offset, 4096, 0, 0, 0)));
        }

        long awaitCompletion() throws InterruptedException {
            Long unique = completed.poll(10, TimeUnit.SECONDS);
            assertTrue(unique != null, "nothing completed");
            return unique;
        }

        /** The reply's header, checked against the unique. */
        OutHeader header(long unique) {
            ByteBuf reply = replies.get(unique);
            OutHeader header = OutHeader.decode(reply.duplicate(), order);
            assertEquals(unique, header.unique());
            assertEquals(reply.readableBytes(), header.len());
            return header;
        }

        String data(long unique) {
            ByteBuf reply = replies.get(unique);
            assertEquals(0, header(unique).error());
            return reply.toString(OutHeader.SIZE, reply.readableBytes() - OutHeader.SIZE, StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            for (ByteBuf reply : replies.values()) {
                reply.release();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(WireOrder.class)
    void readsCompleteLaterOutOfOrderWhileOtherRequestsAreAnswered(WireOrder order) throws Exception {
        SlowReads fs = new SlowReads();
        fs.withFile("a", 5, "unused");
        try (Transport transport = new Transport(fs, order)) {
            assertEquals(Served.pending(), transport.read(100, 0));
            assertEquals(Served.pending(), transport.read(102, 4096));
            assertEquals(0, fs.awaitStart());
            assertEquals(4096, fs.awaitStart());
            // Meanwhile: a lookup (asynchronous, completed at once) and a getattr.
            Served lookup = transport.send(104, FuseMessage.of(Opcode.LOOKUP, 104, 1, new NameIn(FileName.of("a"))));
            assertEquals(Served.replied(), lookup);
            assertEquals(5, Replies.entryOut(transport.replies.get(104L).skipBytes(OutHeader.SIZE), transport.driver.format())
                    .nodeid());
            assertEquals(Served.replied(), transport.send(106, FuseMessage.of(Opcode.GETATTR, 106, 5, new GetattrIn(0, 0))));
            assertTrue(transport.completed.isEmpty());
            // The second read completes first.
            fs.complete(4096, "second");
            assertEquals(102, transport.awaitCompletion());
            assertEquals("second", transport.data(102));
            fs.complete(0, "first");
            assertEquals(100, transport.awaitCompletion());
            assertEquals("first", transport.data(100));
            assertEquals(Served.replied(), transport.results.get(100L));
            // The contexts were each request's own, and both are done.
            assertFalse(fs.contexts.get(0L) == fs.contexts.get(4096L), "one context per pending request");
        }
    }

    @Test
    void anInterruptReachesAPendingReadThroughItsCancellationAction() throws Exception {
        SlowReads fs = new SlowReads();
        try (Transport transport = new Transport(fs, WireOrder.LITTLE_ENDIAN)) {
            assertEquals(Served.pending(), transport.read(200, 0));
            fs.awaitStart();
            assertTrue(fs.contexts.get(0L).isCancelled() == false);
            transport.send(202, FuseMessage.of(Opcode.INTERRUPT, 202, 0, new InterruptIn(200)));
            assertEquals(200, transport.awaitCompletion());
            assertEquals(-Errno.EINTR.code(), transport.header(200).error());
            assertEquals(1, transport.server.statistics().interruptsDelivered());
        }
    }

    @Test
    void aStoppingTransportCancelsPendingRequestsWithEnotconn() throws Exception {
        SlowReads fs = new SlowReads();
        try (Transport transport = new Transport(fs, WireOrder.BIG_ENDIAN)) {
            transport.read(300, 0);
            transport.read(302, 4096);
            fs.awaitStart();
            fs.awaitStart();
            transport.server.cancelRunning();
            List<Long> done = List.of(transport.awaitCompletion(), transport.awaitCompletion());
            assertTrue(done.containsAll(List.of(300L, 302L)), done::toString);
            assertEquals(-Errno.ENOTCONN.code(), transport.header(300).error());
            assertEquals(-Errno.ENOTCONN.code(), transport.header(302).error());
        }
    }

    @Test
    void aRequestPendingWhenTheSessionEndsCompletesWithoutAReply() throws Exception {
        SlowReads fs = new SlowReads();
        try (Transport transport = new Transport(fs, WireOrder.LITTLE_ENDIAN)) {
            transport.read(400, 0);
            fs.awaitStart();
            transport.server.sessionEnded();
            fs.complete(0, "too late");
            assertEquals(400, transport.awaitCompletion());
            assertEquals(Served.noReply(), transport.results.get(400L));
            assertEquals(0, transport.replies.get(400L).readableBytes(), "nothing written");
        }
    }

    @Test
    void failuresOfAStageAreAnsweredAsASynchronousFileSystemsAre() throws Exception {
        SlowReads fs = new SlowReads();
        try (Transport transport = new Transport(fs, WireOrder.LITTLE_ENDIAN);
             ErrorLogWatch log = new ErrorLogWatch()) {
            transport.read(500, 0);
            transport.read(502, 4096);
            transport.read(504, 8192);
            for (int i = 0; i < 3; i++) {
                fs.awaitStart();
            }
            fs.reads.get(0L).completeExceptionally(new ErrnoException(Errno.ENOSPC));
            fs.reads.get(4096L).cancel(false);
            fs.reads.get(8192L).completeExceptionally(new java.io.IOException("a remote store's checked failure"));
            for (int i = 0; i < 3; i++) {
                transport.awaitCompletion();
            }
            assertEquals(-Errno.ENOSPC.code(), transport.header(500).error());
            assertEquals(-Errno.EINTR.code(), transport.header(502).error(), "a cancelled stage: EINTR");
            assertEquals(-Errno.EIO.code(), transport.header(504).error(), "any other failure is a bug: EIO");
            assertEquals(1, log.errors().size(), log.errors()::toString);
            assertTrue(log.errors().get(0).contains("IOException"), log.errors().get(0));
        }
    }

    /** A stage that says it is not done though it is: its action runs while being registered. */
    private static final class CompletedButNotSaying<T> extends CompletableFuture<T> {
        @Override
        public boolean isDone() {
            return false;
        }
    }

    @Test
    void aStageCompletingWhileItsActionIsRegisteredIsAnsweredAtOnce() throws Exception {
        SlowReads fs = new SlowReads() {
            @Override
            public CompletionStage<Void> readAsync(Context ctx, ReadRequest request, ByteBuf dst) {
                dst.writeBytes("now".getBytes(StandardCharsets.UTF_8));
                CompletableFuture<Void> stage = new CompletedButNotSaying<>();
                stage.complete(null);
                return stage;
            }
        };
        try (Transport transport = new Transport(fs, WireOrder.LITTLE_ENDIAN)) {
            for (int i = 0; i < 3; i++) {
                long unique = 600 + 2L * i;
                assertEquals(Served.replied(), transport.read(unique, 0), "answered by handle(), not the completion");
                assertEquals("now", transport.data(unique));
            }
            assertTrue(transport.completed.isEmpty(), "the completion is never called for it");
        }
    }

    @Test
    void aCallerThatCannotTakePendingResultsGetsTheAnswerInPlace() throws Exception {
        SlowReads fs = new SlowReads();
        ServerDriver driver = new ServerDriver(new FuseServer(fs, FuseServerConfig.defaults()), WireOrder.LITTLE_ENDIAN);
        driver.init();
        CompletableFuture<ServerDriver.Reply> read = CompletableFuture.supplyAsync(() -> driver.send(
                FuseMessage.of(Opcode.READ, 700, 5, new ReadIn(1, 0, 4096, 0, 0, 0))));
        fs.awaitStart();
        assertFalse(read.isDone());
        fs.complete(0, "waited");
        ServerDriver.Reply reply = read.get(10, TimeUnit.SECONDS);
        assertEquals(Served.replied(), reply.served());
        assertArrayEquals("waited".getBytes(StandardCharsets.UTF_8), ByteBufUtil.getBytes(reply.body()));
    }

    @Test
    void completedPendingRequestsLeaveNoExchangeRunningAndReuseThem() throws Exception {
        SlowReads fs = new SlowReads();
        try (Transport transport = new Transport(fs, WireOrder.LITTLE_ENDIAN)) {
            for (int round = 0; round < 20; round++) {
                long unique = 1000 + 2L * round;
                transport.read(unique, round * 4096L);
                fs.awaitStart();
                fs.complete(round * 4096L, "r" + round);
                assertEquals(unique, transport.awaitCompletion());
                assertEquals("r" + round, transport.data(unique));
            }
            int registered = interruptRegistrySize(transport.server);
            assertTrue(registered <= 3, "exchanges are reused: " + registered);
            // Nothing is running: an interrupt finds nobody.
            transport.send(2000, FuseMessage.of(Opcode.INTERRUPT, 2000, 0, new InterruptIn(1000)));
            assertEquals(0, transport.server.statistics().interruptsDelivered());
        }
    }

    /**
     * The server's count of registered exchanges, a package-private figure read reflectively: this
     * test drives the server from the driver's side (the testkit), outside the server's package.
     */
    private static int interruptRegistrySize(FuseServer server) throws ReflectiveOperationException {
        java.lang.reflect.Method size = FuseServer.class.getDeclaredMethod("interruptRegistrySize");
        size.setAccessible(true);
        return (int) size.invoke(server);
    }
}
