package io.virtiofs.transport.fuse;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.protocol.InHeader;
import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.OutHeader;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.RequestClass;
import io.virtiofs.protocol.server.Served;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link MinimalFuseHandler} with POSIX locks negotiated: FUSE_SETLKW waits (it
 * {@linkplain #classify may block}) until the test {@linkplain #releaseWaiters() releases} the
 * waiters, then answers 0; or until {@link #cancelRunning()}, then answers ENOTCONN as a server
 * whose transport stops does. FUSE_SETLK answers 0 at once. Everything else goes to the minimal
 * handler.
 */
final class LockWaitHandler implements FuseRequestHandler {

    /** A waiter gives up (EIO) after this long, so that a broken test cannot hang its mount. */
    private static final long WAIT_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    final MinimalFuseHandler minimal;
    /** One permit per FUSE_SETLKW that has begun to wait. */
    final Semaphore waiting = new Semaphore(0);
    /** The names of the threads FUSE_SETLKW ran on. */
    final Set<String> waiterThreads = ConcurrentHashMap.newKeySet();
    final AtomicInteger cancelCalls = new AtomicInteger();
    /** How many calls of {@link #cancelRunning()} to ignore, as if no waiter had started yet. */
    final AtomicInteger cancelsToIgnore = new AtomicInteger();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private boolean released; // guarded by lock
    private boolean cancelled; // guarded by lock

    LockWaitHandler(int maxWrite) {
        this.minimal = new MinimalFuseHandler(maxWrite, Set.of(InitFlag.POSIX_LOCKS));
    }

    @Override
    public RequestClass classify(ByteBuf request) {
        return request.readableBytes() >= InHeader.SIZE && MinimalFuseHandler.ORDER.getInt(request,
                request.readerIndex() + InHeader.OPCODE_OFFSET) == Opcode.SETLKW.code()
                ? RequestClass.MAY_BLOCK : RequestClass.NORMAL;
    }

    @Override
    public Served answerFailure(ByteBuf request, ByteBuf reply, Errno errno) {
        return minimal.answerFailure(request, reply, errno);
    }

    @Override
    public Served handle(ByteBuf request, ByteBuf reply, Completion completion) {
        InHeader header = InHeader.decode(request.duplicate(), MinimalFuseHandler.ORDER);
        if (header.opcode() == Opcode.SETLK.code()) {
            return answer(reply, header, 0);
        }
        if (header.opcode() != Opcode.SETLKW.code()) {
            return minimal.handle(request, reply, completion);
        }
        waiterThreads.add(Thread.currentThread().getName());
        waiting.release();
        lock.lock();
        try {
            long remaining = WAIT_LIMIT_NANOS;
            while (!released && !cancelled && remaining > 0) {
                remaining = changed.awaitNanos(remaining);
            }
            if (released) {
                return answer(reply, header, 0);
            }
            return answer(reply, header, -(cancelled ? Errno.ENOTCONN : Errno.EIO).code());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return answer(reply, header, -Errno.EINTR.code());
        } finally {
            lock.unlock();
        }
    }

    /** Ends every wait, now and later, with success. */
    void releaseWaiters() {
        lock.lock();
        try {
            released = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void cancelRunning() {
        cancelCalls.incrementAndGet();
        if (cancelsToIgnore.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return;
        }
        lock.lock();
        try {
            cancelled = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void sessionEnded() {
        minimal.sessionEnded();
    }

    /** The waiters' thread names, sorted. */
    List<String> waiterThreadNames() {
        return waiterThreads.stream().sorted().toList();
    }

    private static Served answer(ByteBuf reply, InHeader header, int error) {
        OutHeader.encode(reply, MinimalFuseHandler.ORDER, OutHeader.SIZE, error, header.unique());
        return Served.replied();
    }
}
