package io.virtiofs.transport.fuse;

import io.virtiofs.protocol.InitFlag;
import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.Negotiation;
import io.virtiofs.protocol.server.SessionEvent;
import io.virtiofs.transport.internal.Threads;
import io.virtiofs.transport.internal.nativeio.EventFdCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The running part of a /dev/fuse mount: the worker threads, the session and stop descriptors,
 * and how the session ends.
 *
 * <p>The session ends when every worker has exited: after the kernel aborted the connection
 * (the file system was unmounted, {@code ENODEV}), after {@link #requestStop()}, or after a worker
 * failed. Each worker first waits until the lock waits it handed off ({@link BlockingRequests})
 * are answered. The last worker to exit ends that pool's threads, closes the session descriptor,
 * the stop eventfd and the notification sink, tells the handler the session ended (unless
 * FUSE_DESTROY already did), and releases {@link #awaitEnd} waiters. Closing every descriptor of a connection makes the kernel
 * abort it, so requests still queued fail rather than hang.
 */
final class FuseSession {

    private static final System.Logger LOG = System.getLogger(FuseSession.class.getName());

    private final FuseRequestHandler handler;
    private final int sessionFd;
    private final int stopFd;
    private final DeviceNotificationSink notifications;
    private final WaitMode waitMode;
    private final Optional<ConnectionControl> control;
    private final List<Thread> workers = new CopyOnWriteArrayList<>();
    private final List<FuseRingQueue> rings = new CopyOnWriteArrayList<>();
    /** Whether to serve over io_uring once FUSE_INIT accepted it. */
    private volatile boolean ioUring;
    private volatile int ringDepth = FuseMountOptions.DEFAULT_RING_DEPTH;
    private volatile int ringFlags;
    /** Requests the ring queues answered. */
    private final LongAdder ringRequests = new LongAdder();
    private final AtomicInteger running = new AtomicInteger();
    private final CountDownLatch ended = new CountDownLatch(1);
    private final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    private final ReentrantLock descriptorLock = new ReentrantLock();
    private boolean descriptorsClosed; // guarded by descriptorLock
    private volatile boolean stopping;
    private volatile boolean deviceGone;
    /** Set before this session aborts its own connection: ENODEV then does not mean an unmount. */
    private volatile boolean abortedHere;
    private volatile boolean destroyed;
    private volatile @Nullable Negotiation negotiated;
    /** Where requests that may block run; set by {@link #start} before any worker runs. */
    private volatile @Nullable BlockingRequests blocking;
    private volatile String name = "virtiofs-fuse";

    /**
     * Serve ordinary requests over io_uring once FUSE_INIT has accepted it (before {@link #start}),
     * with rings of {@code depth} entries made with the {@code io_uring_setup(2)} flags
     * {@code ringFlags}.
     */
    void useIoUring(int depth, int ringFlags) {
        ioUring = true;
        ringDepth = depth;
        this.ringFlags = ringFlags;
    }

    /**
     * A reply changed the session, and it went to the kernel (which has processed it when the
     * write returned): FUSE_INIT started it (remember the negotiation; start the ring queues if it
     * accepted FUSE over io_uring) or FUSE_DESTROY ended it.
     */
    /**
     * A session event whose reply is about to go to the kernel: an INIT's negotiation is recorded
     * now, so that {@link #negotiated()} has it by the time the kernel lets the mount be used
     * (recorded after the reply, a {@code stat} of the fresh mount could finish first).
     */
    void sessionAnswering(SessionEvent event) {
        if (event instanceof SessionEvent.Initialized initialized) {
            negotiated = initialized.negotiation();
        }
    }

    void sessionChanged(SessionEvent event) {
        switch (event) {
            case SessionEvent.Initialized initialized -> {
                negotiated = initialized.negotiation();
                initAnswered(initialized.negotiation());
            }
            case SessionEvent.Destroyed destroy -> destroyed = true;
        }
    }

    /**
     * The INIT reply went to the kernel: when it accepted FUSE over io_uring, starts one ring
     * queue per possible CPU. Their threads count as workers for the end of the session.
     */
    private void initAnswered(Negotiation init) {
        if (!ioUring || !init.accepts(InitFlag.OVER_IO_URING) || !rings.isEmpty()) {
            return;
        }
        int payload = Math.max(8192, Math.max(init.maxWrite(), init.maxPages() * 4096));
        int queues = possibleCpus();
        BlockingRequests pool = blocking;
        if (pool == null) {
            return;
        }
        List<Thread> started = new ArrayList<>();
        try {
            for (int qid = 0; qid < queues; qid++) {
                FuseRingQueue queue = new FuseRingQueue(this, handler, sessionFd, qid, ringDepth, ringFlags, payload,
                        pool.lane());
                rings.add(queue);
                started.add(Thread.ofPlatform().name(name + "-ring-" + qid).daemon(true).unstarted(queue));
            }
        } catch (NativeException e) {
            workerFailed(e);
            return;
        }
        running.addAndGet(started.size());
        workers.addAll(started);
        started.forEach(Thread::start);
        LOG.log(Level.DEBUG, () -> "serving over io_uring: " + queues + " queues of " + ringDepth + " entries");
    }

    /** A ring queue answered a request. */
    void answeredOverRing() {
        ringRequests.increment();
    }

    /** Requests answered by the ring queues. */
    long requestsOverIoUring() {
        return ringRequests.sum();
    }

    /** The kernel's number of possible CPUs ({@code num_possible_cpus()}): one ring queue each. */
    static int possibleCpus() {
        try {
            String text = Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim();
            int count = 0;
            for (String range : text.split(",")) {
                String[] ends = range.split("-");
                count += ends.length == 1 ? 1 : Integer.parseInt(ends[1]) - Integer.parseInt(ends[0]) + 1;
            }
            return count;
        } catch (IOException | RuntimeException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /**
     * A session whose workers wait as {@code waitMode} says; {@code control} is the connection's
     * control directory, which {@link WaitMode#BLOCKING_READ} needs to stop them.
     */
    FuseSession(FuseRequestHandler handler, int sessionFd, int stopFd, DeviceNotificationSink notifications,
                WaitMode waitMode, Optional<ConnectionControl> control) {
        if (waitMode == WaitMode.BLOCKING_READ && control.isEmpty()) {
            throw new IllegalArgumentException("blocking workers need the connection's control directory to be stopped");
        }
        this.handler = handler;
        this.sessionFd = sessionFd;
        this.stopFd = stopFd;
        this.notifications = notifications;
        this.waitMode = waitMode;
        this.control = control;
    }

    /**
     * Starts one platform thread per cloned descriptor, named {@code name-worker-N}; each owns and
     * closes its descriptor. Requests that may block run on virtual threads named
     * {@code name-blocking-N} ({@link BlockingRequests}).
     */
    void start(List<Integer> cloneFds, int bufferSize, String name) {
        this.name = name;
        BlockingRequests pool = new BlockingRequests(handler, name + "-blocking-", BlockingRequests.MAX_WAITING,
                this::workerFailed);
        blocking = pool;
        for (int i = 0; i < cloneFds.size(); i++) {
            Thread thread = Thread.ofPlatform().name(name + "-worker-" + i).daemon(true).unstarted(
                    new FuseWorker(this, handler, cloneFds.get(i), bufferSize, pool.lane()));
            workers.add(thread);
        }
        running.set(workers.size());
        for (Thread thread : workers) {
            thread.start();
        }
    }

    /** Whether workers should stop taking requests. */
    boolean stopping() {
        return stopping;
    }

    /**
     * Whether a worker saw the connection aborted by the kernel (the file system was unmounted),
     * rather than by this session stopping its blocked workers ({@link #requestStop()}), which
     * leaves the mount in place.
     */
    boolean isDeviceGone() {
        return deviceGone && !abortedHere;
    }

    /** A worker saw {@code ENODEV}: the kernel aborted the connection; every worker will see it too. */
    void deviceGone() {
        deviceGone = true;
        stopping = true;
    }

    /** A worker, or a request handed off by one, died of an unexpected error: the session ends. */
    void workerFailed(Throwable cause) {
        if (failure.compareAndSet(null, cause)) {
            LOG.log(Level.ERROR, "a /dev/fuse worker failed; ending the session", cause);
        }
        requestStop();
    }

    /**
     * Asks every worker to stop after its current request: sets the flag, wakes pollers, and
     * cancels the requests running now, so that one waiting inside the file system (a lock wait
     * only its client could end) finishes too. Blocked readers are woken by aborting the
     * connection (unless the kernel already did), which is what closing the workers' descriptors
     * would do anyway; a reply still being computed then finds the connection gone.
     */
    void requestStop() {
        stopping = true;
        descriptorLock.lock();
        try {
            if (!descriptorsClosed) {
                EventFdCalls.write(stopFd, 1);
            }
        } catch (NativeException e) {
            LOG.log(Level.WARNING, "waking the /dev/fuse workers failed", e);
        } finally {
            descriptorLock.unlock();
        }
        rings.forEach(FuseRingQueue::stop);
        try {
            handler.cancelRunning();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the request handler failed to cancel its running requests", e);
        }
        if (waitMode == WaitMode.BLOCKING_READ && !deviceGone && running.get() > 0) {
            abortedHere = true;
            control.ifPresent(ConnectionControl::abort);
        }
    }

    /** How this session's workers wait for requests. */
    WaitMode waitMode() {
        return waitMode;
    }

    /** The eventfd that wakes polling workers when the session stops. */
    int stopFd() {
        return stopFd;
    }

    /** A worker's thread is about to end; the last one ends the session. */
    void workerExited() {
        if (running.decrementAndGet() == 0) {
            finish();
        }
    }

    private void finish() {
        // Every worker waited for its handed-off requests: the pool's threads are idle.
        BlockingRequests pool = blocking;
        if (pool != null) {
            pool.shutDownAndJoin();
        }
        descriptorLock.lock();
        try {
            notifications.close();
            FuseDevice.closeQuietly(sessionFd);
            FuseDevice.closeQuietly(stopFd);
            descriptorsClosed = true;
        } finally {
            descriptorLock.unlock();
        }
        if (!destroyed) {
            try {
                handler.sessionEnded();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "the request handler failed to end its session", e);
            }
        }
        ended.countDown();
    }

    /** What FUSE_INIT settled, once the handler answered it. */
    Optional<Negotiation> negotiated() {
        return Optional.ofNullable(negotiated);
    }

    /** Why a worker failed, if one did. */
    Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    /** Whether the session has ended. */
    boolean hasEnded() {
        return ended.getCount() == 0;
    }

    /** Waits until the session has ended. */
    void awaitEnd() throws InterruptedException {
        ended.await();
    }

    /** Waits at most {@code nanos} until the session has ended; true if it has. */
    boolean awaitEnd(long nanos) throws InterruptedException {
        return ended.await(nanos, TimeUnit.NANOSECONDS);
    }

    /** Waits for every worker thread to end, even when interrupted (the interrupt is kept). */
    void joinWorkersUninterruptibly() {
        boolean interrupted = Threads.joinAll(workers);
        while (true) {
            try {
                ended.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether the calling thread serves this session's requests: one of its workers, or a thread
     * of its pool for requests that may block.
     */
    boolean isWorkerThread() {
        Thread current = Thread.currentThread();
        BlockingRequests pool = blocking;
        return workers.contains(current) || (pool != null && pool.isPoolThread(current));
    }

    /** The worker threads, for tests. */
    List<Thread> workerThreads() {
        return List.copyOf(workers);
    }

    /** Every thread started for requests that may block, for tests. */
    List<Thread> blockingThreads() {
        BlockingRequests pool = blocking;
        return pool == null ? List.of() : pool.threads();
    }
}
