package io.virtiofs.transport.fuse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.RequestClass;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.PollSet;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/**
 * One worker thread of a /dev/fuse session: reads a request from its own cloned descriptor into
 * its own buffer, hands it to the {@link FuseRequestHandler}, and writes the reply back with one
 * {@code write(2)} on the same descriptor.
 *
 * <p>How an idle worker waits depends on the session's {@link WaitMode}. With
 * {@link WaitMode#BLOCKING_READ} the descriptor is blocking and the worker sleeps in
 * {@code read(2)}: the kernel queues such readers as exclusive waiters, so a request wakes one
 * idle worker, not all of them; the session stops them by aborting the connection
 * ({@link ConnectionControl}), which makes every blocked read return {@code ENODEV}. With
 * {@link WaitMode#POLL} (when the FUSE control file system cannot be reached) the descriptor is
 * non-blocking and an idle worker polls it together with the session's stop eventfd; every idle
 * worker then wakes for each request and all but one read EAGAIN and poll again (epoll's
 * {@code EPOLLEXCLUSIVE} does not help: the FUSE device wakes its queue without an event key,
 * so exclusive epoll entries are all woken). Both buffers live in an arena the worker thread owns
 * and closes when it ends, and are wrapped once as netty buffers without copying; each starts
 * just before a page boundary so that the bulk data of WRITE requests and READ replies is page
 * aligned ({@link #REQUEST_OFFSET}, {@link #REPLY_OFFSET}).
 *
 * <p>Errno handling follows Linux {@code fs/fuse/dev.c}: a read fails with {@code ENOENT} when the
 * request it was copying was interrupted (read again), with {@code ENODEV} when the connection
 * was aborted (the file system was unmounted: the worker ends quietly); a reply write fails with
 * {@code ENOENT} when the request was interrupted and is gone (ignored).
 *
 * <p>The kernel finds a reply's request in the queue of the descriptor it is written to, so an
 * answer to an INTERRUPT read by another worker than its request's is refused with ENOENT and
 * dropped: the interrupted request simply runs to its end.
 *
 * <p>A handler that may complete requests later ({@link FuseRequestHandler#mayCompleteLater()}, an
 * asynchronous file system) gets buffers from {@link PendingReplies} instead: a pending request
 * keeps its slot, the worker reads on into another, and the thread that completes the request
 * writes its reply on this worker's descriptor.
 *
 * <p>A request that may wait for other requests ({@link RequestClass#MAY_BLOCK}, a lock
 * wait) is copied and handed to the session's {@link BlockingRequests} instead, which answers it
 * on this worker's descriptor from a thread of its own; the worker reads on at once. Before it
 * closes its descriptor, an exiting worker waits until every such request is answered.
 */
final class FuseWorker implements Runnable {

    private static final System.Logger LOG = System.getLogger(FuseWorker.class.getName());

    /** The page size the buffers are laid out for (a larger page only loses the alignment). */
    static final long PAGE_SIZE = 4096;
    /**
     * Where a request starts in its buffer: FUSE_WRITE's data, after {@code fuse_in_header} and
     * {@code fuse_write_in}, then starts on a page boundary, so the kernel copies each page of
     * the writer's data into one page of ours ({@code fuse_copy_fill} maps one page at a time).
     */
    static final long REQUEST_OFFSET = PAGE_SIZE - (InHeader.SIZE + WriteIn.SIZE);
    /** Where a reply starts: the data of a READ reply, after {@code fuse_out_header}, starts on a page. */
    static final long REPLY_OFFSET = PAGE_SIZE - OutHeader.SIZE;

    /**
     * The first capacity of a handed-off request's reply buffer, which grows up to the worker's
     * buffer size: a lock request's reply is a bare {@code fuse_out_header}.
     */
    static final int HANDED_OFF_REPLY_CAPACITY = 256;

    private final FuseSession session;
    private final FuseRequestHandler handler;
    private final int fd;
    private final int stopFd;
    private final int bufferSize;
    private final WaitMode waitMode;
    private final BlockingRequests.Lane blocking;
    private boolean warnedRefusal;
    /** The slot the worker reads into, when requests may complete later. */
    private PendingReplies.@Nullable Slot currentSlot;

    /**
     * A worker serving {@code session} with {@code handler} on its cloned descriptor {@code fd},
     * which it closes when it ends; {@code fd} is blocking for {@link WaitMode#BLOCKING_READ},
     * non-blocking for {@link WaitMode#POLL}. Requests that may block go to {@code blocking}.
     */
    FuseWorker(FuseSession session, FuseRequestHandler handler, int fd, int bufferSize, BlockingRequests.Lane blocking) {
        this.session = session;
        this.handler = handler;
        this.fd = fd;
        this.stopFd = session.stopFd();
        this.bufferSize = bufferSize;
        this.waitMode = session.waitMode();
        this.blocking = blocking;
    }

    /**
     * The buffers one request is read into and answered from, and where it completes if it goes
     * pending.
     */
    record Buffers(MemorySegment requestMemory, ByteBuf request, MemorySegment replyMemory, ByteBuf reply,
                   Completion completion) {
    }

    /** What became of one request read. */
    private enum Answered {
        /** Answered (or handed off): read the next into the same buffers. */
        DONE,
        /** Pending: its buffers are its own until it completes. */
        PENDING,
        /** The connection is gone. */
        GONE
    }

    @Override
    public void run() {
        if (handler.mayCompleteLater()) {
            runWithPendingReplies();
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment requestMemory = arena.allocate(bufferSize + PAGE_SIZE, PAGE_SIZE).asSlice(REQUEST_OFFSET, bufferSize);
            MemorySegment replyMemory = arena.allocate(bufferSize + PAGE_SIZE, PAGE_SIZE).asSlice(REPLY_OFFSET, bufferSize);
            ByteBuf request = Unpooled.wrappedBuffer(requestMemory.asByteBuffer());
            ByteBuf reply = Unpooled.wrappedBuffer(replyMemory.asByteBuffer());
            try {
                serve(new Buffers(requestMemory, request, replyMemory, reply, Completion.SYNCHRONOUS),
                        waitSet(arena), null);
            } finally {
                request.release();
                reply.release();
            }
        } catch (NativeException | RuntimeException | Error e) {
            session.workerFailed(e);
        } finally {
            // The session is ending (unmounted, stopped or failed): its lock waits are cancelled.
            blocking.cancelAndAwaitAnswered();
            FuseDevice.closeQuietly(fd);
            session.workerExited();
        }
    }

    /**
     * {@link #run()} for a handler that may complete requests later: each pending request keeps a
     * slot of {@link PendingReplies}, and its reply is written by the thread that completes it.
     */
    private void runWithPendingReplies() {
        PendingReplies replies = new PendingReplies(bufferSize, (slot, served) -> {
            Buffers buffers = slot.buffers();
            send(buffers.replyMemory(), buffers.reply().readableBytes(), buffers.request(), buffers.reply());
        });
        try (Arena arena = Arena.ofConfined()) {
            PendingReplies.Slot first = replies.take(() -> true);
            currentSlot = first;
            if (first != null) {
                serve(first.buffers(), waitSet(arena), replies);
            }
        } catch (NativeException | RuntimeException | Error e) {
            session.workerFailed(e);
        } finally {
            blocking.cancelAndAwaitAnswered();
            // Pending requests are cancelled and waited for; then no reply can be written any more.
            replies.drainAndClose(currentSlot, handler, () -> FuseDevice.closeQuietly(fd));
            session.workerExited();
        }
    }

    private PollSet waitSet(Arena arena) {
        PollSet waitSet = new PollSet(arena, 2);
        waitSet.set(0, fd, PollSet.POLLIN);
        waitSet.set(1, stopFd, PollSet.POLLIN);
        return waitSet;
    }

    private void serve(Buffers first, PollSet waitSet, @Nullable PendingReplies replies) throws NativeException {
        Buffers buffers = first;
        while (!session.stopping()) {
            long length;
            try {
                length = waitMode == WaitMode.BLOCKING_READ
                        ? FileCalls.read(fd, buffers.requestMemory(), bufferSize)
                        : FileCalls.readNonBlocking(fd, buffers.requestMemory(), bufferSize);
            } catch (NativeException e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.EINTR) {
                    continue; // the request was interrupted while being read, or a signal came
                }
                if (e.errno() == Errno.ENODEV) {
                    session.deviceGone();
                    return;
                }
                throw e;
            }
            if (waitMode == WaitMode.POLL && length == FileCalls.AGAIN) {
                // Wakes for a request, an aborted connection (POLLERR, then ENODEV) or the stop signal.
                FileCalls.poll(waitSet, -1);
                continue;
            }
            switch (answer(buffers, (int) length)) {
                case DONE -> {
                }
                case GONE -> {
                    return;
                }
                case PENDING -> {
                    // Only a worker with pending replies gives a completion that can be called.
                    PendingReplies pendingReplies = java.util.Objects.requireNonNull(replies);
                    pendingReplies.pendingStarted();
                    currentSlot = null;
                    PendingReplies.Slot next = pendingReplies.take(session::stopping);
                    if (next == null) {
                        return;
                    }
                    currentSlot = next;
                    buffers = next.buffers();
                }
            }
        }
    }

    /** Handles one request and writes its reply, or hands it off when it may block. */
    private Answered answer(Buffers buffers, int length) {
        ByteBuf request = buffers.request();
        ByteBuf reply = buffers.reply();
        request.setIndex(0, length);
        reply.clear();
        Served served;
        if (handler.classify(request) == RequestClass.MAY_BLOCK) {
            if (handOff(request)) {
                return Answered.DONE;
            }
            served = refuseWaiting(request, reply);
        } else {
            served = handle(handler, request, reply, buffers.completion());
            if (served.isPending()) {
                return Answered.PENDING;
            }
        }
        return finish(served, request, buffers.replyMemory(), reply) ? Answered.DONE : Answered.GONE;
    }

    /**
     * Sends what {@code served} says to send (the first bytes of {@code replyMemory}, viewed by
     * {@code reply}) and passes its session event on, once the kernel has the reply; false when the
     * connection is gone.
     */
    private boolean finish(Served served, ByteBuf request, MemorySegment replyMemory, ByteBuf reply) {
        // The negotiation is known before the kernel has the INIT reply: a caller that sees the
        // mount work (its first request answered) must find it.
        served.event().ifPresent(session::sessionAnswering);
        boolean open = !served.isReplied() || send(replyMemory, reply.readableBytes(), request, reply);
        served.event().ifPresent(session::sessionChanged);
        return open;
    }

    /**
     * Copies {@code request} and hands the copy to the pool for requests that may block; false
     * when the pool refuses it ({@link BlockingRequests#MAX_WAITING} requests wait already).
     */
    private boolean handOff(ByteBuf request) {
        int length = request.readableBytes();
        ByteBuf copy = Unpooled.buffer(length, length).writeBytes(request, 0, length);
        if (blocking.handOff(() -> answerHandedOff(copy))) {
            return true;
        }
        copy.release();
        return false;
    }

    /**
     * Answers {@code ENOLCK} ("no locks available") to a request that may block but for which no
     * thread is left: waiting on this worker instead could hang the session.
     */
    private Served refuseWaiting(ByteBuf request, ByteBuf reply) {
        LOG.log(warnedRefusal ? Level.DEBUG : Level.WARNING, () -> BlockingRequests.MAX_WAITING
                + " requests wait for locks already; answering ENOLCK (warned once per worker)");
        warnedRefusal = true;
        return handler.answerFailure(request, reply, Errno.ENOLCK);
    }

    /**
     * Handles a handed-off request on a pool thread, with a reply buffer of its own, and writes
     * the reply on this worker's descriptor (see {@link BlockingRequests}); releases
     * {@code request}.
     */
    private void answerHandedOff(ByteBuf request) {
        ByteBuf reply = Unpooled.directBuffer(HANDED_OFF_REPLY_CAPACITY, bufferSize);
        try {
            Served served = handle(handler, request, reply, Completion.SYNCHRONOUS);
            if (served.isReplied()) {
                MemorySegment replyMemory = MemorySegment.ofBuffer(reply.nioBuffer(0, reply.writerIndex()));
                send(replyMemory, reply.writerIndex(), request, reply);
            }
        } finally {
            reply.release();
            request.release();
        }
    }

    /**
     * Runs the handler on {@code request} into {@code reply}, for any thread serving a /dev/fuse
     * session: the workers, the pool for requests that may block, and the io_uring queues
     * ({@link FuseRingQueue}). An exception from the handler, and a reply that does not fit the
     * buffer, are answered EIO. Unless the request went pending, {@code request}'s reader index
     * is where it was when this returns.
     */
    static Served handle(FuseRequestHandler handler, ByteBuf request, ByteBuf reply, Completion completion) {
        int start = request.readerIndex();
        int replyStart = reply.writerIndex();
        Served served;
        try {
            served = handler.handle(request, reply, completion);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "the request handler failed; answering EIO", e);
            served = Served.noRoom();
        }
        if (served.isPending()) {
            return served; // the buffers belong to the request until it completes
        }
        request.readerIndex(start);
        if (served.kind() == Served.Kind.NO_ROOM) {
            // The handler found no room, or failed: the buffers hold the largest request and reply
            // FUSE_INIT allowed, so either is the handler's bug.
            reply.writerIndex(replyStart);
            served = handler.answerFailure(request, reply, Errno.EIO);
        }
        return served;
    }

    /**
     * Writes the reply to {@code request} (the first {@code length} bytes of {@code replyMemory},
     * viewed by {@code reply}) on this worker's descriptor; false when the connection is gone. A
     * reply the kernel no longer wants (its request was interrupted and abandoned) is given back to
     * the handler, which takes back what it handed out.
     */
    private boolean send(MemorySegment replyMemory, int length, ByteBuf request, ByteBuf reply) {
        while (true) {
            try {
                long written = FileCalls.write(fd, replyMemory, length);
                if (written != length) {
                    LOG.log(Level.WARNING, "the kernel took " + written + " of " + length + " reply bytes");
                }
                return true;
            } catch (NativeException e) {
                Errno errno = e.errno();
                if (errno == Errno.EINTR) {
                    continue;
                }
                if (errno == Errno.ENOENT) {
                    notDelivered(request, reply);
                    return true; // the request was interrupted and is gone
                }
                if (errno == Errno.ENODEV) {
                    session.deviceGone();
                    return false;
                }
                // The kernel refused the reply as malformed (EINVAL): a server bug, not fatal.
                LOG.log(Level.WARNING, "the kernel refused a reply of " + length + " bytes: " + errno.name(), e);
                return true;
            }
        }
    }

    private void notDelivered(ByteBuf request, ByteBuf reply) {
        try {
            handler.replyNotDelivered(request.duplicate(), reply.duplicate());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the request handler failed to take back an undelivered reply", e);
        }
    }
}
