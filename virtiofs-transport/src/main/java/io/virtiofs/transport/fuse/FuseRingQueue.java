package io.virtiofs.transport.fuse;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.api.Errno;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.RingEntryHeader;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.RequestClass;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.transport.internal.Threads;
import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.IoUring;
import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.SchedCalls;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;

/**
 * One queue of FUSE over io_uring (Linux {@code fs/fuse/dev_uring.c}): a thread with its own
 * io_uring that registers {@code depth} ring entries for queue {@code qid} and then serves
 * whatever the kernel puts in them, committing each reply and fetching the next request with one
 * {@code FUSE_IO_URING_CMD_COMMIT_AND_FETCH} command.
 *
 * <p><b>Why.</b> Over /dev/fuse every request costs a {@code read(2)} and a {@code write(2)}, and
 * an idle worker sleeps in the read: under load a request wakes one worker, which answers one
 * request. Here the replies gathered while handling a batch of completions go to the kernel in
 * the same {@code io_uring_enter(2)} that waits for the next batch, so a busy queue answers many
 * requests per system call and per wake-up; and the kernel queues a request on the ring of the
 * CPU its caller runs on.
 *
 * <p><b>Layout of an entry.</b> The kernel writes {@code struct fuse_uring_req_header} (288
 * bytes: {@code fuse_in_header} in the first 128, the operation's own header in the next 128, then
 * {@code fuse_uring_ent_in_out}: flags, commit id, payload size) into the entry's header buffer,
 * and the rest of the request (names, write data) into its payload buffer. The payload buffer is
 * placed {@value #PREFIX} bytes into a larger one, and the request the {@link FuseRequestHandler}
 * sees is one contiguous FUSE message, as over /dev/fuse: a request with a payload has its two
 * headers copied just before the payload; one without (GETATTR, READ, ...) has them copied into a
 * small buffer of the entry's own. A reply goes back as {@code fuse_out_header} in the header
 * buffer and the rest in the payload, with its length in {@code payload_sz}. The reply to a
 * request without a payload is written straight into the payload, its header into the
 * {@value OutHeader#SIZE} bytes before it, so only that header is copied: a READ's data is copied
 * once, by the file system into the entry. The reply to a request with a payload is written into
 * a buffer of the queue's own and copied. When the handler may complete requests later (an
 * asynchronous file system), every reply is written into a buffer of the entry's own instead, which
 * a pending request keeps until its completion hands the entry back to this thread to commit.
 *
 * <p><b>Requests that may block</b> (lock waits) run on the session's pool for them; the pool
 * thread queues the finished reply here and wakes this thread through an eventfd that the ring
 * always has a read pending on. Forgets, interrupts, FUSE_INIT and notifications stay on
 * /dev/fuse (the kernel sends only ordinary requests over the ring).
 */
final class FuseRingQueue implements Runnable {

    private static final System.Logger LOG = System.getLogger(FuseRingQueue.class.getName());

    /** {@code FUSE_IO_URING_CMD_REGISTER}. */
    private static final int CMD_REGISTER = 1;
    /** {@code FUSE_IO_URING_CMD_COMMIT_AND_FETCH}. */
    private static final int CMD_COMMIT_AND_FETCH = 2;
    /** {@code sizeof(struct fuse_uring_req_header)}. */
    static final int HEADER_SIZE = RingEntryHeader.SIZE;
    /** Room before the payload for the two headers of the request. */
    static final int PREFIX = InHeader.SIZE + RingEntryHeader.OP_IN_SIZE;
    private static final long PAGE = 4096;
    private static final int ENOTCONN = Errno.ENOTCONN.code();
    private static final int ECONNABORTED = Errno.ECONNABORTED.code();
    private static final int ECANCELED = Errno.ECANCELED.code();
    /** The user data of the eventfd read that wakes this thread. */
    private static final long WAKE = -1L;

    /** {@code io_uring_setup(2)}'s flags for {@code flags}. */
    static int setupFlags(Set<RingFlag> flags) {
        int bits = 0;
        for (RingFlag flag : flags) {
            bits |= switch (flag) {
                case SINGLE_ISSUER -> IoUring.SETUP_SINGLE_ISSUER;
                case DEFER_TASKRUN -> IoUring.SETUP_DEFER_TASKRUN;
                case COOP_TASKRUN -> IoUring.SETUP_COOP_TASKRUN;
            };
        }
        return bits;
    }

    private final FuseSession session;
    private final FuseRequestHandler handler;
    private final int deviceFd;
    private final int qid;
    private final int depth;
    private final int ringFlags;
    private final int payloadSize;
    private final BlockingRequests.Lane blocking;
    private final int wakeFd;
    /** Whether the handler may complete requests later ({@link FuseRequestHandler#mayCompleteLater}). */
    private final boolean completesLater;
    /** Requests of this queue that are pending. */
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
    private final Queue<Finished> finished = new ConcurrentLinkedQueue<>();
    private final Object wakeLock = new Object();
    private volatile boolean stopping;
    /** Whether {@link #wakeFd} is closed; guarded by {@link #wakeLock}. */
    private boolean wakeClosed;

    /**
     * A reply computed on another thread, waiting for this thread to commit it; {@code release}
     * when the buffer is the finisher's own (a lock wait's), not the entry's.
     */
    private record Finished(int entry, ByteBuf reply, boolean release) {
    }

    FuseRingQueue(FuseSession session, FuseRequestHandler handler, int deviceFd, int qid, int depth, int ringFlags,
                  int payloadSize, BlockingRequests.Lane blocking) throws NativeException {
        this.session = session;
        this.handler = handler;
        this.deviceFd = deviceFd;
        this.qid = qid;
        this.depth = depth;
        this.ringFlags = ringFlags;
        this.payloadSize = payloadSize;
        this.blocking = blocking;
        this.wakeFd = EventFdCalls.eventfd(0, EventFdCalls.EFD_CLOEXEC);
        this.completesLater = handler.mayCompleteLater();
    }

    /** The switch of the kernel's fuse module that allows FUSE over io_uring. */
    static final Path ENABLE_URING = Path.of("/sys/module/fuse/parameters/enable_uring");

    /**
     * Checks, before mounting, that this kernel serves FUSE over io_uring and lets this process
     * make rings with {@code ringFlags}: a mount that negotiated it but could not register its
     * rings would hold every request until the session ends.
     *
     * @throws FuseMountException saying what is missing and how to get it
     */
    static void checkAvailable(int ringFlags) throws FuseMountException {
        String enabled;
        try {
            enabled = Files.readString(ENABLE_URING).trim();
        } catch (IOException e) {
            throw FuseMountException.ioUringUnavailable("this kernel has no " + ENABLE_URING
                    + " (it needs Linux 6.14 or later built with CONFIG_FUSE_IO_URING)", null);
        }
        if (!enabled.equals("Y")) {
            throw FuseMountException.ioUringUnavailable(ENABLE_URING + " is " + enabled
                    + "; as root: echo Y > " + ENABLE_URING, null);
        }
        NativeException refused = probeRing(ringFlags);
        if (refused != null) {
            throw FuseMountException.ioUringUnavailable("io_uring_setup failed with " + refused.errno().name()
                    + (refused.errno() == Errno.EPERM ? " (see the sysctl kernel.io_uring_disabled)"
                    : refused.errno() == Errno.EINVAL ? " (a ring flag this kernel does not know?)" : ""), refused);
        }
    }

    /**
     * Makes and closes a ring on a thread of its own; what io_uring_setup refused, or null. Not on
     * the caller's thread: the kernel tears a closed ring down later and then interrupts every
     * thread that used it, as a signal would (task work). A FUSE request that thread is waiting
     * on at that moment is interrupted and fails with EINTR, and the thread that mounts is often
     * the one that uses the mount next: in 600 mounts, each followed by requests from the
     * mounting thread, at least 9 saw an INTERRUPT that nobody sent; a statx in CI and a mkdir here failed
     * with EINTR.
     */
    private static @Nullable NativeException probeRing(int ringFlags) {
        NativeException[] refused = new NativeException[1];
        Thread probe = Thread.ofPlatform().name("virtiofs-io_uring-probe").start(() -> {
            try {
                IoUring.create(2, ringFlags).close();
            } catch (NativeException e) {
                refused[0] = e;
            }
        });
        if (Threads.joinAll(List.of(probe))) { // the probe takes microseconds: finish it, keep the interrupt
            Thread.currentThread().interrupt();
        }
        return refused[0];
    }

    /**
     * Makes the thread look at its stop flag and its finished replies now. Does nothing once the
     * thread has closed its eventfd (the number could by then name another file).
     */
    void wake() {
        synchronized (wakeLock) {
            if (wakeClosed) {
                return;
            }
            try {
                EventFdCalls.write(wakeFd, 1);
            } catch (NativeException e) {
                LOG.log(Level.DEBUG, "waking ring queue " + qid + " failed", e);
            }
        }
    }

    /** Asks the thread to end after the requests it is handling. */
    void stop() {
        stopping = true;
        wake();
    }

    @Override
    public void run() {
        // The kernel puts a request on the queue of the CPU its caller runs on; served from that
        // CPU, the caller's sleep and this thread's wake-up stay on one CPU (unpinned, the same
        // fstat loop ran at 30k/s: half of /dev/fuse).
        try {
            SchedCalls.pinCurrentThread(qid);
        } catch (NativeException e) {
            LOG.log(Level.DEBUG, "ring queue " + qid + " runs unpinned", e);
        }
        try (Arena arena = Arena.ofShared(); Entries entries = new Entries(arena);
             IoUring ring = IoUring.create(2 * depth + 2, ringFlags)) {
            MemorySegment counter = arena.allocate(8, 8);
            for (int i = 0; i < depth; i++) {
                submitCommand(ring, entries, i, CMD_REGISTER, 0);
            }
            IoUring.prepareRead(next(ring), wakeFd, counter.address(), 8, WAKE);
            try {
                serve(ring, entries, counter);
            } finally {
                // Lock waits handed off read their request in the entries' memory, as do pending
                // requests: they end before it goes.
                blocking.cancelAndAwaitAnswered();
                if (!drainPending()) {
                    entries.keepMapping();
                }
            }
        } catch (NativeException | RuntimeException | Error e) {
            if (!session.stopping()) {
                session.workerFailed(e);
            }
        } finally {
            Finished left;
            while ((left = finished.poll()) != null) {
                if (left.release()) {
                    left.reply().release();
                }
            }
            synchronized (wakeLock) {
                wakeClosed = true;
                FuseDevice.closeQuietly(wakeFd);
            }
            session.workerExited();
        }
    }

    private void serve(IoUring ring, Entries entries, MemorySegment counter) throws NativeException {
        while (true) {
            try {
                ring.enter(1);
            } catch (NativeException e) {
                if (e.errno() == Errno.EINTR) {
                    continue;
                }
                throw e;
            }
            int ready = ring.ready();
            for (int i = 0; i < ready; i++) {
                long data = ring.completionData(i);
                int result = ring.completionResult(i);
                if (data == WAKE) {
                    commitFinished(ring, entries);
                    if (stopping || session.stopping()) {
                        ring.consume(ready);
                        return;
                    }
                    IoUring.prepareRead(next(ring), wakeFd, counter.address(), 8, WAKE);
                } else if (result == -ENOTCONN || result == -ECONNABORTED || result == -ECANCELED) {
                    // The connection is gone: unmounted, aborted, or this session is stopping.
                    ring.consume(ready);
                    if (!session.stopping()) {
                        LOG.log(Level.DEBUG, "ring queue " + qid + " ends: the kernel answered " + -result);
                        session.deviceGone();
                    }
                    return;
                } else if (result < 0) {
                    if (!refused(ring, entries, (int) data, -result)) {
                        ring.consume(ready);
                        return;
                    }
                } else {
                    entries.served[(int) data] = true;
                    answer(ring, entries, (int) data);
                }
            }
            ring.consume(ready);
        }
    }

    /**
     * The kernel refused a command of entry {@code entry} with {@code errno}. A refused commit
     * (the kernel no longer knew the request) leaves the entry lost to the kernel, so it is
     * registered afresh. A refused registration (the kernel then serves the connection over
     * /dev/fuse again) retires the entry; false when that leaves this queue none, and it ends.
     */
    private boolean refused(IoUring ring, Entries entries, int entry, int errno) {
        if (entries.served[entry]) {
            LOG.log(Level.WARNING, "ring queue " + qid + ": the kernel refused the commit of entry " + entry
                    + " with errno " + errno + "; registering the entry again");
            entries.served[entry] = false;
            submitCommand(ring, entries, entry, CMD_REGISTER, 0);
            return true;
        }
        LOG.log(Level.WARNING, "ring queue " + qid + ": the kernel refused to register entry " + entry
                + " with errno " + errno + (++entries.retired == depth ? "; the queue ends" : ""));
        return entries.retired < depth;
    }

    /** Handles the request in entry {@code entry} and commits its reply (or hands it off). */
    private void answer(IoUring ring, Entries entries, int entry) {
        ByteBuf request = entries.request(entry);
        if (request == null) {
            commitError(ring, entries, entry, entries.inHeader(entry), Errno.EIO);
            return;
        }
        if (handler.classify(request) == RequestClass.MAY_BLOCK) {
            boolean handedOff = blocking.handOff(() -> {
                ByteBuf own = Unpooled.directBuffer(FuseWorker.HANDED_OFF_REPLY_CAPACITY, OutHeader.SIZE + payloadSize);
                handle(request, own);
                finished.add(new Finished(entry, own, true));
                wake();
            });
            if (!handedOff) {
                commitError(ring, entries, entry, request, Errno.ENOLCK); // as FuseWorker: no thread left to wait on
            }
            return;
        }
        if (completesLater) {
            // The reply goes into the entry's own buffer, which the request keeps if it goes
            // pending; its completion hands it back to this thread to commit.
            ByteBuf reply = entries.entryReply(entry).clear();
            EntryCompletion completion = entries.completion(entry);
            completion.request = request;
            pending.incrementAndGet();
            Served served = FuseWorker.handle(handler, request, reply, completion);
            if (served.isPending()) {
                return;
            }
            pending.decrementAndGet();
            answerAnyway(served, request, reply);
            commit(ring, entries, entry, entries.entryReplyMemory(entry), reply.readableBytes());
            return;
        }
        if (entries.hasPayload(entry)) {
            ByteBuf reply = entries.reply.clear();
            handle(request, reply);
            commit(ring, entries, entry, entries.replyMemory, reply.readableBytes());
        } else {
            ByteBuf reply = entries.replyInPlace(entry);
            handle(request, reply);
            commitInPlace(ring, entries, entry, reply.readableBytes());
        }
    }

    /**
     * Handles {@code request} into {@code reply} as a worker does; the kernel frees a ring entry
     * only with a reply, so a request answered without one is answered EIO.
     */
    private void handle(ByteBuf request, ByteBuf reply) {
        answerAnyway(FuseWorker.handle(handler, request, reply, Completion.SYNCHRONOUS), request, reply);
    }

    /** After {@code served}: a request answered without a reply gets EIO (see {@link #handle}). */
    private void answerAnyway(Served served, ByteBuf request, ByteBuf reply) {
        if (!served.isReplied()) {
            reply.clear();
            handler.answerFailure(request, reply, Errno.EIO, true);
        }
        session.answeredOverRing();
    }

    /** Where the pending request of one ring entry finishes. */
    private final class EntryCompletion implements Completion {
        private final int entry;
        private final ByteBuf reply;
        /** The entry's request, for an EIO reply when the request completes without one. */
        volatile @Nullable ByteBuf request;

        EntryCompletion(int entry, ByteBuf reply) {
            this.entry = entry;
            this.reply = reply;
        }

        @Override
        public void complete(Served served) {
            try {
                ByteBuf held = request;
                if (held != null) {
                    answerAnyway(served, held, reply);
                }
                finished.add(new Finished(entry, reply, false));
                wake();
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    /**
     * Cancels the requests still pending on this queue and waits for them (up to
     * {@link PendingReplies#DRAIN_NANOS}); false when some are still pending, whose buffers must
     * then stay mapped.
     */
    private boolean drainPending() {
        long deadline = System.nanoTime() + PendingReplies.DRAIN_NANOS;
        while (pending.get() > 0) {
            if (System.nanoTime() - deadline > 0) {
                LOG.log(Level.WARNING, pending.get() + " request(s) still pending when ring queue " + qid
                        + " ended; their replies will be dropped");
                return false;
            }
            try {
                handler.cancelRunning();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "the request handler failed to cancel its pending requests", e);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20));
        }
        return true;
    }

    private void commitFinished(IoUring ring, Entries entries) {
        Finished done;
        while ((done = finished.poll()) != null) {
            try {
                commit(ring, entries, done.entry(), segmentOf(done.reply()), done.reply().readableBytes());
            } finally {
                if (done.release()) {
                    done.reply().release();
                }
            }
        }
    }

    /** Commits an error reply to {@code request} (or to a request of which only the header is sound). */
    private void commitError(IoUring ring, Entries entries, int entry, ByteBuf request, Errno errno) {
        ByteBuf reply = Unpooled.buffer(OutHeader.SIZE);
        handler.answerFailure(request, reply, errno, true);
        commit(ring, entries, entry, segmentOf(reply), reply.readableBytes());
    }

    /** The readable bytes of {@code buffer} as a segment (heap or direct). */
    private static MemorySegment segmentOf(ByteBuf buffer) {
        return MemorySegment.ofBuffer(buffer.nioBuffer());
    }

    /**
     * Copies the reply ({@code length} bytes of {@code reply}: {@code fuse_out_header}, then the
     * data) into entry {@code entry} and queues its commit-and-fetch.
     */
    private void commit(IoUring ring, Entries entries, int entry, MemorySegment reply, int length) {
        int data = length - OutHeader.SIZE;
        MemorySegment header = entries.header(entry);
        MemorySegment.copy(reply, 0, header, RingEntryHeader.IN_OUT_OFFSET, OutHeader.SIZE);
        if (data > 0) {
            MemorySegment.copy(reply, OutHeader.SIZE, entries.payload(entry), 0, data);
        }
        header.set(JAVA_INT, RingEntryHeader.PAYLOAD_SIZE_OFFSET, Math.max(data, 0));
        submitCommand(ring, entries, entry, CMD_COMMIT_AND_FETCH, header.get(JAVA_LONG, RingEntryHeader.COMMIT_ID_OFFSET));
    }

    /**
     * Queues the commit-and-fetch of entry {@code entry}, whose reply ({@code length} bytes) was
     * written in place: its {@code fuse_out_header} just before the payload, the rest in it.
     */
    private void commitInPlace(IoUring ring, Entries entries, int entry, int length) {
        MemorySegment header = entries.header(entry);
        MemorySegment.copy(entries.buffer(entry), PREFIX - OutHeader.SIZE, header, RingEntryHeader.IN_OUT_OFFSET,
                OutHeader.SIZE);
        header.set(JAVA_INT, RingEntryHeader.PAYLOAD_SIZE_OFFSET, Math.max(length - OutHeader.SIZE, 0));
        submitCommand(ring, entries, entry, CMD_COMMIT_AND_FETCH, header.get(JAVA_LONG, RingEntryHeader.COMMIT_ID_OFFSET));
    }

    private void submitCommand(IoUring ring, Entries entries, int entry, int command, long commitId) {
        MemorySegment sqe = next(ring);
        IoUring.prepareCommand(sqe, deviceFd, command, entries.vector(entry).address(), 2, entry);
        sqe.set(JAVA_LONG, IoUring.SQE_CMD + 8, commitId);
        sqe.set(java.lang.foreign.ValueLayout.JAVA_SHORT, IoUring.SQE_CMD + 16, (short) qid);
    }

    /** A free submission entry; the ring has room for every entry's command and the wake read. */
    private static MemorySegment next(IoUring ring) {
        MemorySegment sqe = ring.nextEntry();
        if (sqe == null) {
            throw new IllegalStateException("the submission ring is full");
        }
        return sqe;
    }

    /**
     * The memory of the ring entries: headers, payloads and their two-element iovecs, and the
     * queue's reply buffer. The payloads and the reply buffer are one anonymous mapping, so the
     * pages a queue never uses (most of a payload, for most requests) cost no memory.
     */
    private final class Entries implements AutoCloseable {
        private final MemorySegment[] headers = new MemorySegment[depth];
        private final MemorySegment[] buffers = new MemorySegment[depth];
        private final ByteBuf[] wrapped = new ByteBuf[depth];
        private final MemorySegment[] payloads = new MemorySegment[depth];
        private final MemorySegment[] vectors = new MemorySegment[depth];
        /** The request of an entry without payload: both headers, copied here. */
        private final MemorySegment[] shortRequestMemory = new MemorySegment[depth];
        private final ByteBuf[] shortRequests = new ByteBuf[depth];
        /** The reply to a request without payload: the out header before the payload, then the payload. */
        private final ByteBuf[] inPlaceReplies = new ByteBuf[depth];
        private final MemorySegment mapping;
        /** Whether a request came through the entry since it was last registered. */
        final boolean[] served = new boolean[depth];
        /** Entries whose registration the kernel refused. */
        int retired;
        /** Where replies are written; then copied into the entry. */
        final MemorySegment replyMemory;
        final ByteBuf reply;
        /** Each entry's own reply buffer, when requests may complete later; else empty. */
        private final MemorySegment[] entryReplyMemory;
        private final EntryCompletion[] completions;
        /** Set when requests are still pending at the end: the mapping then stays. */
        private boolean keepMapping;

        Entries(Arena arena) throws NativeException {
            long stride = PAGE + roundUp(payloadSize);
            int replies = completesLater ? depth : 0;
            mapping = MemoryCalls.mmap(0, stride * (depth + 1 + replies), MemoryCalls.PROT_READ | MemoryCalls.PROT_WRITE,
                    MemoryCalls.MAP_PRIVATE | MemoryCalls.MAP_ANONYMOUS, -1, 0);
            replyMemory = mapping.asSlice(stride * depth + PAGE - OutHeader.SIZE, OutHeader.SIZE + payloadSize);
            reply = Unpooled.wrappedBuffer(replyMemory.asByteBuffer()).clear();
            entryReplyMemory = new MemorySegment[replies];
            completions = new EntryCompletion[replies];
            for (int i = 0; i < replies; i++) {
                entryReplyMemory[i] = mapping.asSlice(stride * (depth + 1 + i) + PAGE - OutHeader.SIZE,
                        OutHeader.SIZE + payloadSize);
                completions[i] = new EntryCompletion(i, Unpooled.wrappedBuffer(entryReplyMemory[i].asByteBuffer()));
            }
            for (int i = 0; i < depth; i++) {
                headers[i] = arena.allocate(HEADER_SIZE, 64);
                // The payload starts on a page, so WRITE data and READ replies are page aligned.
                buffers[i] = mapping.asSlice(stride * i + PAGE - PREFIX, PREFIX + payloadSize);
                wrapped[i] = Unpooled.wrappedBuffer(buffers[i].asByteBuffer());
                payloads[i] = buffers[i].asSlice(PREFIX, payloadSize);
                shortRequestMemory[i] = arena.allocate(PREFIX, 64);
                shortRequests[i] = Unpooled.wrappedBuffer(shortRequestMemory[i].asByteBuffer());
                inPlaceReplies[i] = Unpooled.wrappedBuffer(
                        buffers[i].asSlice(PREFIX - OutHeader.SIZE, OutHeader.SIZE + payloadSize).asByteBuffer());
                vectors[i] = arena.allocate(32, 8);
                vectors[i].set(JAVA_LONG, 0, headers[i].address());
                vectors[i].set(JAVA_LONG, 8, HEADER_SIZE);
                vectors[i].set(JAVA_LONG, 16, payloads[i].address());
                vectors[i].set(JAVA_LONG, 24, payloadSize);
            }
        }

        MemorySegment header(int entry) {
            return headers[entry];
        }

        /** The entry's own reply buffer (requests may complete later). */
        ByteBuf entryReply(int entry) {
            return completions[entry].reply;
        }

        MemorySegment entryReplyMemory(int entry) {
            return entryReplyMemory[entry];
        }

        EntryCompletion completion(int entry) {
            return completions[entry];
        }

        /** Leaves the buffers mapped when closed: pending requests may still write into them. */
        void keepMapping() {
            keepMapping = true;
        }

        MemorySegment payload(int entry) {
            return payloads[entry];
        }

        MemorySegment vector(int entry) {
            return vectors[entry];
        }

        /** The entry's {@code fuse_in_header} alone, copied in front of its op area, as a buffer. */
        ByteBuf inHeader(int entry) {
            MemorySegment.copy(headers[entry], RingEntryHeader.IN_OUT_OFFSET, buffers[entry], PREFIX - InHeader.SIZE,
                    InHeader.SIZE);
            return wrapped[entry].slice(PREFIX - InHeader.SIZE, InHeader.SIZE);
        }

        MemorySegment buffer(int entry) {
            return buffers[entry];
        }

        /** Whether the request in {@code entry} came with a payload (names, write data). */
        boolean hasPayload(int entry) {
            return headers[entry].get(JAVA_INT, RingEntryHeader.PAYLOAD_SIZE_OFFSET) != 0;
        }

        /** The empty reply buffer of {@code entry} that ends in its payload (see the class comment). */
        ByteBuf replyInPlace(int entry) {
            return inPlaceReplies[entry].clear();
        }

        /**
         * The request in {@code entry} as one FUSE message (both headers copied in front of the
         * payload, or into the entry's short request buffer when there is none), or null when the
         * kernel's sizes do not add up.
         */
        ByteBuf request(int entry) {
            MemorySegment header = headers[entry];
            int length = header.get(JAVA_INT, RingEntryHeader.IN_OUT_OFFSET + InHeader.LENGTH_OFFSET);
            int payload = header.get(JAVA_INT, RingEntryHeader.PAYLOAD_SIZE_OFFSET);
            int opIn = length - InHeader.SIZE - payload;
            if (payload < 0 || payload > payloadSize || opIn < 0 || opIn > RingEntryHeader.OP_IN_SIZE) {
                LOG.log(Level.WARNING, "ring entry of queue " + qid + " holds a request of " + length
                        + " bytes with a payload of " + payload + "; answering EIO");
                return null;
            }
            if (payload == 0) {
                MemorySegment.copy(header, RingEntryHeader.IN_OUT_OFFSET, shortRequestMemory[entry], 0, InHeader.SIZE);
                MemorySegment.copy(header, RingEntryHeader.OP_IN_OFFSET, shortRequestMemory[entry], InHeader.SIZE, opIn);
                return shortRequests[entry].setIndex(0, length);
            }
            int start = PREFIX - opIn - InHeader.SIZE;
            MemorySegment buffer = buffers[entry];
            MemorySegment.copy(header, RingEntryHeader.IN_OUT_OFFSET, buffer, start, InHeader.SIZE);
            MemorySegment.copy(header, RingEntryHeader.OP_IN_OFFSET, buffer, PREFIX - opIn, opIn);
            return wrapped[entry].slice(start, length);
        }

        @Override
        public void close() {
            if (keepMapping) {
                return;
            }
            try {
                MemoryCalls.munmap(mapping.address(), mapping.byteSize());
            } catch (NativeException e) {
                LOG.log(Level.DEBUG, "unmapping the buffers of ring queue " + qid + " failed", e);
            }
        }
    }

    private static long roundUp(long bytes) {
        return (bytes + PAGE - 1) / PAGE * PAGE;
    }
}
