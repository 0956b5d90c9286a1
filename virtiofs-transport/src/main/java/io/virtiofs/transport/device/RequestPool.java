package io.virtiofs.transport.device;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The bounded pool on which request-queue requests run when the device is built with request threads. */
final class RequestPool {

    private RequestPool() {
    }

    /**
     * A fixed pool of daemon threads with a bounded backlog; a full backlog rejects, and the queue
     * worker then runs the request itself.
     */
    static ExecutorService create(int threads, int backlog, String namePrefix) {
        AtomicInteger counter = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(backlog),
                task -> Thread.ofPlatform().daemon().name(namePrefix + counter.getAndIncrement()).unstarted(task),
                new ThreadPoolExecutor.AbortPolicy());
    }

    /** The most requests that may wait at once (lock waits) before further ones are refused. */
    static final int MAX_BLOCKING_THREADS = 256;

    /**
     * A pool that starts a thread per request when none is idle, up to {@code maxThreads}, and lets
     * idle ones go after 30 s: for requests that wait on other requests (lock waits).
     */
    static ExecutorService elastic(int maxThreads, String namePrefix) {
        AtomicInteger counter = new AtomicInteger();
        return new ThreadPoolExecutor(0, maxThreads, 30, TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(),
                task -> Thread.ofPlatform().daemon().name(namePrefix + counter.getAndIncrement()).unstarted(task),
                new ThreadPoolExecutor.AbortPolicy());
    }
}
