package io.virtiofs.transport.fuse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The buffers of one /dev/fuse worker whose handler completes requests later
 * ({@link FuseRequestHandler#mayCompleteLater()}). A request answered
 * {@link Served#pending()} keeps its request and reply buffers (its {@link Slot}) until it
 * completes, and the worker reads the next request into another slot; the completing thread writes
 * the reply with one {@code write(2)} on the worker's descriptor (the kernel looks a reply up in
 * the queue of the descriptor that read its request) and gives the slot back.
 *
 * <p>Slots are anonymous mappings, so the pages a slot never touches cost nothing, and any thread
 * may write into them. At most {@link #MAX_SLOTS} exist; a worker that needs another while all are
 * pending waits for one to come back (the file system completes on threads of its own, so a
 * completion does not need this worker).
 *
 * <p>When the worker ends it asks the handler to cancel what is pending and waits for those
 * requests, up to {@link #DRAIN_NANOS}, before its descriptor is closed: a reply must never be
 * written after that, when the number may name another file. A request that completes later still
 * finds its slot mapped (it is unmapped then), and its reply is dropped.
 */
final class PendingReplies {

    private static final System.Logger LOG = System.getLogger(PendingReplies.class.getName());

    /** The most requests one worker keeps pending; more wait for one to complete. */
    static final int MAX_SLOTS = 256;
    /** How long an ending worker waits for its pending requests. */
    static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** How often an ending worker asks the handler again to cancel what is pending. */
    private static final long CANCEL_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Writes a finished reply on the worker's descriptor. */
    @FunctionalInterface
    interface Sender {
        void send(Slot slot, Served served);
    }

    /** A request buffer and a reply buffer, and the completion of the request that holds them. */
    final class Slot implements Completion {
        final MemorySegment mapping;
        final MemorySegment requestMemory;
        final MemorySegment replyMemory;
        final ByteBuf request;
        final ByteBuf reply;

        private final FuseWorker.Buffers buffers;

        private Slot(MemorySegment mapping) {
            this.mapping = mapping;
            long stride = bufferSize + FuseWorker.PAGE_SIZE;
            this.requestMemory = mapping.asSlice(FuseWorker.REQUEST_OFFSET, bufferSize);
            this.replyMemory = mapping.asSlice(stride + FuseWorker.REPLY_OFFSET, bufferSize);
            this.request = Unpooled.wrappedBuffer(requestMemory.asByteBuffer());
            this.reply = Unpooled.wrappedBuffer(replyMemory.asByteBuffer());
            this.buffers = new FuseWorker.Buffers(requestMemory, request, replyMemory, reply, this);
        }

        /** The slot as the worker reads and answers with it; its completion is the slot's own. */
        FuseWorker.Buffers buffers() {
            return buffers;
        }

        /** The pending request of this slot finished: send its reply, give the slot back. */
        @Override
        public void complete(Served served) {
            try {
                descriptor.readLock().lock();
                try {
                    if (descriptorOpen && served.isReplied()) {
                        // Under the read lock: the descriptor stays open until the reply is written.
                        sender.send(this, served);
                    }
                } finally {
                    descriptor.readLock().unlock();
                }
            } finally {
                returned(this);
            }
        }
    }

    private final int bufferSize;
    private final Sender sender;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition slotReturned = lock.newCondition();
    private final ArrayDeque<Slot> free = new ArrayDeque<>(); // guarded by lock
    private int created; // guarded by lock
    private int pending; // guarded by lock
    /** Whether the worker has ended: a slot that comes back now is unmapped. */
    private boolean ended; // guarded by lock
    /** Completions write under its read lock; the descriptor is closed under its write lock. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock descriptor =
            new java.util.concurrent.locks.ReentrantReadWriteLock();
    private boolean descriptorOpen = true; // guarded by descriptor

    PendingReplies(int bufferSize, Sender sender) {
        this.bufferSize = bufferSize;
        this.sender = sender;
    }

    /**
     * A slot for the next request: a free one, a new one, or (when {@link #MAX_SLOTS} are
     * pending) the next to come back; null when {@code stopping} says to stop waiting.
     */
    @Nullable Slot take(java.util.function.BooleanSupplier stopping) throws NativeException {
        lock.lock();
        try {
            while (true) {
                Slot slot = free.poll();
                if (slot != null) {
                    return slot;
                }
                if (created < MAX_SLOTS) {
                    created++;
                    break;
                }
                if (stopping.getAsBoolean()) {
                    return null;
                }
                slotReturned.awaitNanos(CANCEL_RETRY_NANOS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            lock.unlock();
        }
        long size = 2 * (bufferSize + FuseWorker.PAGE_SIZE);
        try {
            return new Slot(MemoryCalls.mmap(0, size, MemoryCalls.PROT_READ | MemoryCalls.PROT_WRITE,
                    MemoryCalls.MAP_PRIVATE | MemoryCalls.MAP_ANONYMOUS, -1, 0));
        } catch (NativeException | RuntimeException e) {
            lock.lock();
            try {
                created--;
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    /** The request in {@code slot} went pending: the worker goes on with another slot. */
    void pendingStarted() {
        lock.lock();
        try {
            pending++;
        } finally {
            lock.unlock();
        }
    }

    /** {@code slot} is free again (its request finished, or the worker is done with it). */
    private void returned(Slot slot) {
        lock.lock();
        try {
            pending--;
            if (ended) {
                unmap(slot);
                created--;
            } else {
                free.push(slot);
            }
            slotReturned.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The worker is ending: cancels the pending requests through {@code handler} and waits for
     * them (up to {@link #DRAIN_NANOS}), then runs {@code closeDescriptor} once no completion can
     * write any more, and unmaps every slot that is not pending. {@code current} is the worker's
     * own slot.
     */
    void drainAndClose(@Nullable Slot current, FuseRequestHandler handler, Runnable closeDescriptor) {
        long deadline = System.nanoTime() + DRAIN_NANOS;
        boolean interrupted = false;
        java.util.List<Slot> unused = new java.util.ArrayList<>();
        lock.lock();
        try {
            if (current != null) {
                free.push(current);
            }
            while (pending > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.log(Level.WARNING, pending + " request(s) still pending when the /dev/fuse worker ended;"
                            + " their replies will be dropped");
                    break;
                }
                lock.unlock();
                try {
                    handler.cancelRunning();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "the request handler failed to cancel its pending requests", e);
                } finally {
                    lock.lock();
                }
                try {
                    slotReturned.awaitNanos(Math.min(left, CANCEL_RETRY_NANOS));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            ended = true;
            Slot slot;
            while ((slot = free.poll()) != null) {
                unused.add(slot);
                created--;
            }
        } finally {
            lock.unlock();
        }
        descriptor.writeLock().lock();
        try {
            descriptorOpen = false;
            closeDescriptor.run();
        } finally {
            descriptor.writeLock().unlock();
        }
        unused.forEach(PendingReplies::unmap);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Requests pending now, for tests. */
    int pending() {
        lock.lock();
        try {
            return pending;
        } finally {
            lock.unlock();
        }
    }

    private static void unmap(Slot slot) {
        slot.request.release();
        slot.reply.release();
        try {
            MemoryCalls.munmap(slot.mapping.address(), slot.mapping.byteSize());
        } catch (NativeException e) {
            LOG.log(Level.DEBUG, "unmapping a /dev/fuse slot failed", e);
        }
    }
}
