package io.virtiofs.transport.fuse;

import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.transport.internal.Threads;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Where the requests of a /dev/fuse session that may wait for other requests run
 * ({@link io.virtiofs.protocol.server.RequestClass#MAY_BLOCK}: FUSE_SETLKW, from {@code fcntl(F_SETLKW)},
 * {@code F_OFD_SETLKW} and a blocking {@code flock(2)}): on threads of their own, never on a
 * worker.
 *
 * <p>Why: a lock wait ends only when another request (the holder's unlock, its RELEASE) is
 * served. A session has a fixed number of workers; if each of them sat in a lock wait, nobody
 * would read that request from {@code /dev/fuse}, and the mount would hang for good: a deadlock
 * any local user (or a guest) can cause on purpose by starting as many waiters as there are
 * workers. So a worker copies such a request, hands it to this pool, and reads the next one at
 * once; the pool thread answers on the worker's own descriptor, because Linux
 * {@code fs/fuse/dev.c} ({@code fuse_dev_do_write}) looks a reply's {@code unique} up in the
 * processing queue of the {@code fuse_dev} it is written to, where {@code fuse_dev_do_read} put
 * the request, and answers {@code ENOENT} on any other.
 *
 * <p>The pool starts a virtual thread when none is idle, at most {@value #MAX_WAITING} at once
 * (more waiters are refused, see {@link Lane#handOff}), and keeps the threads until the session
 * ends rather than letting idle ones go: a request handler may keep per-thread state for every
 * thread that ever called it ({@code FuseServer} does, to find a request a FUSE_INTERRUPT names),
 * so threads that come and go would make it grow without end.
 *
 * <p>A worker must not close its descriptor while a request it handed off may still be answered
 * on it: the descriptor number would be reused, and the late reply written into an unrelated
 * file; and closing it first would end that request with {@code ECONNABORTED}
 * ({@code fuse_dev_release} ends the requests of its processing queue). So each worker counts its
 * hand-offs in a {@link Lane} and, when it exits (the session is ending then), waits until each is
 * answered, asking the handler to {@linkplain FuseRequestHandler#cancelRunning cancel} running
 * requests meanwhile. The last worker to exit then {@linkplain #shutDownAndJoin ends} the pool.
 */
final class BlockingRequests {

    private static final System.Logger LOG = System.getLogger(BlockingRequests.class.getName());

    /** The most requests of one session that may wait at once; more are refused. */
    static final int MAX_WAITING = 1024;

    /**
     * How often an exiting worker asks the handler again to cancel running requests: a request
     * handed off just before the session began to stop may start only after the first cancel.
     */
    private static final long CANCEL_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final FuseRequestHandler handler;
    private final Consumer<Throwable> onFailure;
    private final ThreadPoolExecutor pool;
    /** Every thread the pool started; they live until {@link #shutDownAndJoin}, so few. */
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    /**
     * A pool for the requests {@code handler} says may block, with threads named
     * {@code namePrefix} and a number; {@code onFailure} hears of an exception or error that
     * escaped a request (the session then ends, as when a worker dies).
     */
    BlockingRequests(FuseRequestHandler handler, String namePrefix, int maxWaiting, Consumer<Throwable> onFailure) {
        if (maxWaiting < 1) {
            throw new IllegalArgumentException("maxWaiting must be at least 1: " + maxWaiting);
        }
        this.handler = handler;
        this.onFailure = onFailure;
        ThreadFactory virtual = Thread.ofVirtual().name(namePrefix, 0).factory();
        ThreadFactory recorded = task -> {
            Thread thread = virtual.newThread(task);
            threads.add(thread);
            return thread;
        };
        this.pool = new ThreadPoolExecutor(0, maxWaiting, Long.MAX_VALUE, TimeUnit.NANOSECONDS,
                new SynchronousQueue<>(), recorded, new ThreadPoolExecutor.AbortPolicy());
    }

    /** A new lane, for one worker and its descriptor. */
    Lane lane() {
        return new Lane();
    }

    /** Whether {@code thread} is one of the pool's. */
    boolean isPoolThread(Thread thread) {
        return threads.contains(thread);
    }

    /** Every thread the pool started, for tests. */
    List<Thread> threads() {
        return List.copyOf(threads);
    }

    /**
     * Ends the pool and waits for its threads to end, even when interrupted (the interrupt is
     * kept). Called once every lane is drained: the threads are idle and end at once.
     */
    void shutDownAndJoin() {
        pool.shutdown();
        if (Threads.joinAll(threads)) {
            Thread.currentThread().interrupt();
        }
    }

    /** The requests one worker handed off: all are answered on its descriptor. */
    final class Lane {

        private final ReentrantLock lock = new ReentrantLock();
        private final Condition drained = lock.newCondition();
        private int pending; // guarded by lock

        private Lane() {
        }

        /**
         * Runs {@code answer} (which handles a copied request and writes its reply) on a pool
         * thread; false, and {@code answer} never runs, when {@value #MAX_WAITING} requests wait
         * already or the pool has ended.
         */
        boolean handOff(Runnable answer) {
            lock.lock();
            try {
                pending++;
            } finally {
                lock.unlock();
            }
            try {
                pool.execute(() -> run(answer));
                return true;
            } catch (RejectedExecutionException e) {
                finished();
                return false;
            }
        }

        private void run(Runnable answer) {
            try {
                answer.run();
            } catch (RuntimeException | Error e) {
                onFailure.accept(e);
            } finally {
                finished();
            }
        }

        private void finished() {
            lock.lock();
            try {
                if (--pending == 0) {
                    drained.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }

        /**
         * Waits until every request handed off on this lane has been answered, cancelling the
         * handler's running requests meanwhile (the session is ending; the lock waits must end).
         * Waits even when interrupted (the interrupt is kept): the descriptor must outlive them.
         */
        void cancelAndAwaitAnswered() {
            boolean interrupted = false;
            boolean warned = false;
            lock.lock();
            try {
                while (pending > 0) {
                    lock.unlock();
                    try {
                        handler.cancelRunning();
                    } catch (RuntimeException e) {
                        if (!warned) {
                            warned = true;
                            LOG.log(Level.WARNING, "the request handler failed to cancel its running requests", e);
                        }
                    } finally {
                        lock.lock();
                    }
                    if (pending == 0) {
                        break;
                    }
                    try {
                        drained.awaitNanos(CANCEL_RETRY_NANOS);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } finally {
                lock.unlock();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
