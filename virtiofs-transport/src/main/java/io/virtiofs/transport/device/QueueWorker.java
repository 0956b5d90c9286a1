package io.virtiofs.transport.device;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;
import io.virtiofs.protocol.server.Completion;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.RequestClass;
import io.virtiofs.protocol.server.Served;
import io.virtiofs.transport.internal.nativeio.NativeLinker;
import io.virtiofs.transport.memory.GuestMemory;
import io.virtiofs.transport.memory.MemoryTable;
import io.virtiofs.transport.virtqueue.DescriptorChain;
import io.virtiofs.transport.virtqueue.QueueFault;
import io.virtiofs.transport.virtqueue.QueueFaultException;
import io.virtiofs.transport.virtqueue.SplitQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The thread that owns one virtqueue: waits for kicks, pops chains, hands each to the
 * {@link FuseRequestHandler} (inline, or on the request executor), and returns completions
 * through the used ring. Only this thread touches the {@link SplitQueue}; requests run elsewhere
 * send their completions back through a concurrent queue.
 *
 * <p>A request an asynchronous file system completes later ({@link Served#pending()}) keeps its
 * chain and the chain's guest memory until its {@link Completion} is called, from any thread; the
 * completion hands the chain back through the same concurrent queue.
 *
 * <p>No exception ends the thread early: a broken ring, a guest memory fault (the JVM's
 * {@link InternalError} for a SIGBUS on a mapping the front-end cut short) and a failing kick each
 * break this queue ({@link QueueFault}, DEVICE_NEEDS_RESET); a bug in the handler answers EIO, or
 * breaks the queue if it escapes elsewhere. The thread then idles until the device stops it.
 */
final class QueueWorker implements Runnable {

    private static final System.Logger LOG = System.getLogger(QueueWorker.class.getName());
    private static final int REPLY_TOO_LARGE = -1;
    /** The request's guest memory faulted (see {@link QueueFault#MEMORY_FAULT}). */
    private static final int MEMORY_FAULT = -2;
    /** The request completes later, through its chain's {@link Completion}. */
    private static final int PENDING = -3;

    /**
     * A request finished on the executor: the chain and its used length (or
     * {@link #REPLY_TOO_LARGE}, {@link #MEMORY_FAULT}).
     */
    private record Finished(DescriptorChain chain, int usedLength) {
    }

    private final QueueSlot slot;
    private final SplitQueue queue;
    private final MemoryTable memoryTable;
    private final FuseRequestHandler handler;
    private final @Nullable Executor executor;
    private final Executor blockingExecutor;
    private final int spinIterations;
    private final BiConsumer<QueueSlot, Throwable> onFailure;
    private final AtomicBoolean warnedNormalOnHiprio;
    private final ConcurrentLinkedQueue<Finished> completions = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    /** Whether the handler may complete requests later ({@link FuseRequestHandler#mayCompleteLater}). */
    private final boolean completesLater;
    /** The completions of pending requests, by descriptor head; made on first use. */
    private ChainCompletion @Nullable [] byHead;

    private volatile boolean stopping;
    private volatile long stopDeadline;
    private volatile boolean sleepingInKick;
    /** The kick failed once: idle without it. */
    private boolean kickFailed;
    private @Nullable GuestMemory bound;

    /** The queue this worker serves (its write log may be switched from the control thread). */
    SplitQueue queue() {
        return queue;
    }

    QueueWorker(QueueSlot slot, SplitQueue queue, WorkerContext context) {
        this.slot = slot;
        this.queue = queue;
        this.memoryTable = context.memoryTable();
        this.handler = context.handler();
        this.executor = slot.index == VirtioFsDevice.HIPRIO_QUEUE ? null : context.executor();
        this.blockingExecutor = context.blockingExecutor();
        this.spinIterations = context.spinIterations();
        this.onFailure = context.onFailure();
        this.warnedNormalOnHiprio = context.warnedNormalOnHiprio();
        this.thread = Thread.ofPlatform().daemon().name(context.threadNamePrefix() + slot.index).unstarted(this);
        this.completesLater = handler.mayCompleteLater();
    }

    void start() {
        thread.start();
    }

    /** Wakes the worker to look at the ring and its completions again (memory change, enable). */
    void wake() {
        LockSupport.unpark(thread);
        KickEvent kick = slot.kick;
        if (kick != null) {
            kick.wake();
        }
    }

    /**
     * Tells the worker to stop taking chains; requests in flight get until {@code deadline}
     * ({@link System#nanoTime()}) to complete. Returns at once.
     */
    void beginStop(long deadline) {
        stopDeadline = deadline;
        stopping = true;
        wake();
    }

    /**
     * Waits for the worker to end (interrupting it if it is still busy at the deadline) and
     * returns the next available index (vhost-user GET_VRING_BASE).
     */
    int finishStop(long deadline) {
        try {
            long remainingMillis = TimeUnit.NANOSECONDS.toMillis(Math.max(0, deadline - System.nanoTime()));
            thread.join(remainingMillis + 100);
            if (thread.isAlive()) {
                LOG.log(System.Logger.Level.WARNING, "virtqueue {0} worker did not stop in time; interrupting it",
                        slot.index);
                thread.interrupt();
                thread.join(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return queue.nextAvail();
    }

    @Override
    public void run() {
        try {
            // Thread-local state, set up here rather than by the first request inside serve().
            handler.prepareThread();
            NativeLinker.prepareThread();
            serve();
        } catch (QueueFaultException e) {
            onFailure.accept(slot, e);
            idleUntilStopped();
        } catch (InterruptedException e) {
            LOG.log(System.Logger.Level.DEBUG, "virtqueue {0} worker interrupted", slot.index);
        } catch (InternalError e) {
            // A ring access into guest memory that is gone (SIGBUS made an exception by the JVM).
            onFailure.accept(slot, queue.breakWith(QueueFault.MEMORY_FAULT, String.valueOf(e.getMessage())));
            idleUntilStopped();
        } catch (RuntimeException | Error e) {
            onFailure.accept(slot, e);
            idleUntilStopped();
        } finally {
            finishInFlight();
            GuestMemory memory = bound;
            bound = null;
            if (memory != null) {
                memory.release();
            }
        }
    }

    private void serve() throws QueueFaultException, InterruptedException {
        while (!stopping) {
            if (!slot.enabled && queue.inFlight() == 0) {
                // Disabled and idle: hold no stale snapshot, so a memory change can drain.
                releaseStaleMemory();
                sleep();
                continue;
            }
            rebindIfNeeded();
            drainCompletions(true);
            if (!slot.enabled) {
                sleep();
                continue;
            }
            int available = queue.availableChains();
            if (available == 0) {
                flushNotifications();
                if (spinForWork()) {
                    continue;
                }
                if (queue.enableNotificationsAfterFence()) {
                    queue.disableNotifications();
                    continue;
                }
                sleep();
                queue.disableNotifications();
                continue;
            }
            for (int i = 0; i < available && !stopping; i++) {
                dispatch(queue.popChain());
            }
            flushNotifications();
        }
    }

    private void rebindIfNeeded() throws QueueFaultException {
        if (memoryTable.peek() == bound) {
            return;
        }
        GuestMemory next = memoryTable.acquire();
        try {
            queue.bind(next);
        } catch (QueueFaultException e) {
            next.release();
            throw e;
        }
        GuestMemory previous = bound;
        bound = next;
        if (previous != null) {
            previous.release();
        }
    }

    private void releaseStaleMemory() {
        GuestMemory memory = bound;
        if (memory != null && memoryTable.peek() != memory) {
            bound = null;
            memory.release();
        }
    }

    private boolean spinForWork() throws QueueFaultException {
        for (int i = 0; i < spinIterations; i++) {
            if (stopping || !completions.isEmpty() || memoryTable.peek() != bound || queue.availableChains() > 0) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    private void sleep() throws InterruptedException, QueueFaultException {
        KickEvent kick = slot.kick;
        if (kick == null || kickFailed) {
            LockSupport.park(this);
            return;
        }
        sleepingInKick = true;
        try {
            // Completions are queued before sleepingInKick is read by their producer (both
            // volatile), so either we see the completion here or the producer sees us sleeping.
            if (stopping || !completions.isEmpty()) {
                return;
            }
            kick.awaitKick();
        } catch (RuntimeException e) {
            kickFailed = true;
            throw queue.breakWith(QueueFault.KICK_FAILED, e.toString());
        } finally {
            sleepingInKick = false;
        }
    }

    private void dispatch(DescriptorChain chain) throws QueueFaultException {
        RequestClass kind = handler.classify(chain.readable());
        boolean hiprio = slot.index == VirtioFsDevice.HIPRIO_QUEUE;
        if (hiprio && kind != RequestClass.HIGH_PRIORITY && warnedNormalOnHiprio.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "the driver sent a normal request on the hiprio queue; serving it there"
                    + " (logged once)");
        }
        Executor pool = executor;
        if (!hiprio && kind == RequestClass.MAY_BLOCK) {
            // A lock wait ends only when another request on this queue releases the lock: it must
            // not occupy the queue's thread, nor a slot of the bounded pool.
            pool = blockingExecutor;
        } else if (pool == null) {
            if (!completesLater) {
                complete(chain, handle(chain, Completion.SYNCHRONOUS), true);
                return;
            }
            handleHere(chain, retain(chain));
            return;
        }
        GuestMemory memory = retain(chain);
        Completion completion = completesLater ? completionOf(chain, memory) : Completion.SYNCHRONOUS;
        try {
            pool.execute(() -> runOnPool(chain, memory, completion));
        } catch (RejectedExecutionException e) {
            if (completesLater) {
                handleHere(chain, memory);
            } else {
                memory.release();
                complete(chain, handle(chain, Completion.SYNCHRONOUS), true);
            }
        }
    }

    /** Holds the chain's guest memory until its request is finished (it may finish elsewhere). */
    private static GuestMemory retain(DescriptorChain chain) {
        GuestMemory memory = chain.memory();
        if (!memory.tryRetain()) {
            throw new IllegalStateException("the snapshot of a chain in flight has drained");
        }
        return memory;
    }

    /**
     * Serves a chain on this thread for a handler that may complete it later: a pending request
     * keeps {@code memory} until its completion queues it; one answered now uses the chain now.
     */
    private void handleHere(DescriptorChain chain, GuestMemory memory) throws QueueFaultException {
        int usedLength = handle(chain, completionOf(chain, memory));
        if (usedLength != PENDING) {
            memory.release();
            complete(chain, usedLength, true);
        }
    }

    private void runOnPool(DescriptorChain chain, GuestMemory memory, Completion completion) {
        int usedLength = handle(chain, completion); // never throws: every failure is a used length
        if (usedLength != PENDING) {
            finishedElsewhere(chain, usedLength, memory);
        }
    }

    /**
     * A request finished away from this thread (on the pool, or by an asynchronous file system):
     * lets its memory go and hands the chain back to this thread, which alone writes the used ring.
     */
    private void finishedElsewhere(DescriptorChain chain, int usedLength, GuestMemory memory) {
        memory.release();
        completions.add(new Finished(chain, usedLength));
        LockSupport.unpark(thread);
        if (sleepingInKick) {
            KickEvent kick = slot.kick;
            if (kick != null) {
                kick.wake();
            }
        }
    }

    /**
     * The completion of the request in {@code chain}: one object per descriptor head, made once
     * and reused (a head carries one request at a time), told which memory to let go.
     */
    private Completion completionOf(DescriptorChain chain, GuestMemory memory) {
        ChainCompletion[] table = byHead;
        if (table == null || chain.headIndex() >= table.length) {
            table = java.util.Arrays.copyOf(table == null ? new ChainCompletion[0] : table,
                    Math.max(chain.headIndex() + 1, table == null ? 64 : table.length * 2));
            byHead = table;
        }
        ChainCompletion completion = table[chain.headIndex()];
        if (completion == null || completion.chain != chain) {
            completion = new ChainCompletion(chain);
            table[chain.headIndex()] = completion;
        }
        completion.memory = memory;
        return completion;
    }

    /** Where a pending request of one descriptor head finishes. */
    private final class ChainCompletion implements Completion {
        final DescriptorChain chain;
        /** The memory to let go; set by the worker before the request is handled. */
        volatile @Nullable GuestMemory memory;

        ChainCompletion(DescriptorChain chain) {
            this.chain = chain;
        }

        @Override
        public void complete(Served served) {
            int usedLength;
            try {
                usedLength = usedLength(served, chain.writable());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "a request on virtqueue " + slot.index
                        + " completed with " + served + "; the chain is used without a reply", e);
                usedLength = 0;
            }
            GuestMemory held = memory;
            memory = null;
            if (held != null) {
                finishedElsewhere(chain, usedLength, held);
            }
        }
    }

    /**
     * Runs the handler; returns the used length, {@link #PENDING}, {@link #REPLY_TOO_LARGE} or
     * {@link #MEMORY_FAULT}. Never throws.
     */
    private int handle(DescriptorChain chain, Completion completion) {
        ByteBuf reply = chain.writable();
        try {
            Served served = handler.handle(chain.readable(), reply, completion);
            return served.isPending() ? PENDING : usedLength(served, reply);
        } catch (InternalError e) {
            return MEMORY_FAULT;
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "FUSE request handler failed on virtqueue " + slot.index
                    + "; answering EIO", e);
            try {
                ByteBuf request = chain.readable();
                request.setIndex(0, chain.readableLength());
                Served answered = handler.answerFailure(request, reply.clear(), Errno.EIO);
                // No room for an error either: the chain is used without a reply, the queue goes on.
                return answered.kind() == Served.Kind.NO_ROOM ? 0 : usedLength(answered, reply);
            } catch (InternalError fault) {
                return MEMORY_FAULT;
            }
        }
    }

    /** The used length for a result: the reply's bytes, 0 without a reply, or {@link #REPLY_TOO_LARGE}. */
    private static int usedLength(Served served, ByteBuf reply) {
        return switch (served.kind()) {
            case REPLIED -> reply.writerIndex();
            case NO_REPLY -> 0;
            case NO_ROOM -> REPLY_TOO_LARGE;
            case PENDING -> throw new IllegalStateException("a pending request on a transport that completes at once");
        };
    }

    private void complete(DescriptorChain chain, int usedLength, boolean notify) throws QueueFaultException {
        if (usedLength == REPLY_TOO_LARGE || usedLength == MEMORY_FAULT) {
            QueueFaultException fault = usedLength == REPLY_TOO_LARGE
                    ? queue.breakWith(QueueFault.REPLY_TOO_LARGE, "chain " + chain.headIndex() + " offers "
                            + chain.writableLength() + " writable bytes")
                    : queue.breakWith(QueueFault.MEMORY_FAULT, "while serving chain " + chain.headIndex());
            queue.addUsed(chain, 0);
            throw fault;
        }
        queue.addUsed(chain, usedLength);
        if (notify) {
            flushNotifications();
        }
    }

    private void drainCompletions(boolean throwFaults) throws QueueFaultException {
        Finished completion;
        boolean any = false;
        while ((completion = completions.poll()) != null) {
            any = true;
            try {
                complete(completion.chain(), completion.usedLength(), false);
            } catch (QueueFaultException e) {
                if (throwFaults) {
                    throw e;
                }
            }
        }
        if (any) {
            flushNotifications();
        }
    }

    private void flushNotifications() {
        if (queue.needsNotificationAfterFence()) {
            slot.call.call();
        }
    }

    /** After a fault: completions are forgotten, kicks ignored, until the device stops the queue. */
    private void idleUntilStopped() {
        // A broken queue never touches its ring again: let memory changes drain.
        GuestMemory memory = bound;
        bound = null;
        if (memory != null) {
            memory.release();
        }
        try {
            while (!stopping) {
                drainCompletions(false);
                try {
                    sleep();
                } catch (QueueFaultException e) {
                    // The kick failed while idle: from now on the worker parks until woken.
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (QueueFaultException e) {
            throw new AssertionError("faults are not thrown while idle", e);
        }
    }

    private void finishInFlight() {
        while (queue.inFlight() > 0) {
            try {
                drainCompletions(false);
            } catch (QueueFaultException e) {
                throw new AssertionError("faults are not thrown while finishing", e);
            }
            if (queue.inFlight() == 0) {
                break;
            }
            long remaining = stopDeadline - System.nanoTime();
            if (!stopping || remaining <= 0 || Thread.currentThread().isInterrupted()) {
                LOG.log(System.Logger.Level.WARNING, "virtqueue {0} stops with {1} request(s) unfinished", slot.index,
                        queue.inFlight());
                break;
            }
            LockSupport.parkNanos(this, remaining);
        }
    }
}
