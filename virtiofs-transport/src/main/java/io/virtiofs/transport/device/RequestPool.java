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
}
