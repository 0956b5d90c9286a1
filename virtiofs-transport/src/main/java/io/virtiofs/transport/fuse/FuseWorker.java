package io.virtiofs.transport.fuse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.WireOrder;
import io.virtiofs.protocol.message.WriteIn;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.Outcome;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.PollSet;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

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
 */
final class FuseWorker implements Runnable {

    private static final System.Logger LOG = System.getLogger(FuseWorker.class.getName());

    /** /dev/fuse speaks the host's byte order. */
    static final WireOrder HOST_ORDER =
            ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? WireOrder.LITTLE_ENDIAN : WireOrder.BIG_ENDIAN;

    private static final int UNIQUE_OFFSET = 8;

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

    private final FuseSession session;
    private final FuseRequestHandler handler;
    private final int fd;
    private final int stopFd;
    private final int bufferSize;
    private final WaitMode waitMode;

    /**
     * A worker serving {@code session} on its cloned descriptor {@code fd}, which it closes when it
     * ends; {@code fd} is blocking for {@link WaitMode#BLOCKING_READ}, non-blocking for
     * {@link WaitMode#POLL}.
     */
    FuseWorker(FuseSession session, FuseRequestHandler handler, int fd, int stopFd, int bufferSize, WaitMode waitMode) {
        this.session = session;
        this.handler = handler;
        this.fd = fd;
        this.stopFd = stopFd;
        this.bufferSize = bufferSize;
        this.waitMode = waitMode;
    }

    @Override
    public void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment requestMemory = arena.allocate(bufferSize + PAGE_SIZE, PAGE_SIZE).asSlice(REQUEST_OFFSET, bufferSize);
            MemorySegment replyMemory = arena.allocate(bufferSize + PAGE_SIZE, PAGE_SIZE).asSlice(REPLY_OFFSET, bufferSize);
            ByteBuf request = Unpooled.wrappedBuffer(requestMemory.asByteBuffer());
            ByteBuf reply = Unpooled.wrappedBuffer(replyMemory.asByteBuffer());
            PollSet waitSet = new PollSet(arena, 2);
            waitSet.set(0, fd, PollSet.POLLIN);
            waitSet.set(1, stopFd, PollSet.POLLIN);
            try {
                serve(requestMemory, request, replyMemory, reply, waitSet);
            } finally {
                request.release();
                reply.release();
            }
        } catch (NativeException | RuntimeException | Error e) {
            session.workerFailed(e);
        } finally {
            FuseDevice.closeQuietly(fd);
            session.workerExited();
        }
    }

    private void serve(MemorySegment requestMemory, ByteBuf request, MemorySegment replyMemory, ByteBuf reply,
                       PollSet waitSet) throws NativeException {
        while (!session.stopping()) {
            long length;
            try {
                length = waitMode == WaitMode.BLOCKING_READ
                        ? FileCalls.read(fd, requestMemory, bufferSize)
                        : FileCalls.readNonBlocking(fd, requestMemory, bufferSize);
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
            if (!answer(request, (int) length, replyMemory, reply)) {
                return;
            }
        }
    }

    /** Handles one request and writes its reply; false when the connection is gone. */
    private boolean answer(ByteBuf request, int length, MemorySegment replyMemory, ByteBuf reply) throws NativeException {
        if (length < InHeader.SIZE) {
            LOG.log(Level.WARNING, "the kernel sent a request of " + length + " bytes, shorter than fuse_in_header");
            return true;
        }
        request.setIndex(0, length);
        reply.clear();
        int opcode = HOST_ORDER.getInt(request, InHeader.OPCODE_OFFSET);
        long unique = HOST_ORDER.getLong(request, UNIQUE_OFFSET);
        Outcome outcome;
        try {
            outcome = handler.handle(request, reply);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "the request handler failed on opcode " + opcode + ", unique " + unique, e);
            outcome = expectsReply(opcode) ? errorReply(reply, unique, Errno.EIO) : Outcome.NO_REPLY;
        }
        if (outcome == Outcome.REPLY_TOO_LARGE) {
            LOG.log(Level.WARNING, "the reply to opcode " + opcode + ", unique " + unique
                    + " does not fit " + reply.capacity() + " bytes; answering EIO");
            outcome = errorReply(reply, unique, Errno.EIO);
        }
        session.observe(opcode, outcome, reply);
        if (outcome != Outcome.REPLIED) {
            return true;
        }
        return send(replyMemory, reply.readableBytes(), opcode, unique);
    }

    private boolean send(MemorySegment replyMemory, int length, int opcode, long unique) throws NativeException {
        while (true) {
            try {
                long written = FileCalls.write(fd, replyMemory, length);
                if (written != length) {
                    LOG.log(Level.WARNING, "the kernel took " + written + " of " + length + " reply bytes for unique " + unique);
                }
                return true;
            } catch (NativeException e) {
                Errno errno = e.errno();
                if (errno == Errno.EINTR) {
                    continue;
                }
                if (errno == Errno.ENOENT) {
                    return true; // the request was interrupted and is gone
                }
                if (errno == Errno.ENODEV) {
                    session.deviceGone();
                    return false;
                }
                // The kernel refused the reply as malformed (EINVAL): a server bug, not fatal.
                LOG.log(Level.WARNING, "the kernel refused the reply to opcode " + opcode + ", unique " + unique
                        + ": " + errno.name(), e);
                return true;
            }
        }
    }

    private static boolean expectsReply(int opcode) {
        return Opcode.of(opcode).map(Opcode::replies).orElse(true);
    }

    /** Writes an error reply for {@code unique} in place of whatever the handler wrote. */
    static Outcome errorReply(ByteBuf reply, long unique, Errno errno) {
        reply.clear();
        OutHeader.encode(reply, HOST_ORDER, OutHeader.SIZE, -errno.code(), unique);
        return Outcome.REPLIED;
    }
}
