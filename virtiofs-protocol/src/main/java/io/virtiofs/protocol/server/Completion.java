package io.virtiofs.protocol.server;

/**
 * Where a request that the handler answered {@link Served#pending()} finishes: the transport's
 * side of asynchronous completion. The handler calls {@link #complete} exactly once, from any
 * thread, after writing the reply into the buffer it was given (or deciding on none).
 */
@FunctionalInterface
public interface Completion {

    /**
     * The request is finished: {@code served} is {@link Served#replied()},
     * {@link Served#noReply()} or {@link Served#noRoom()}, never pending. Called on the thread
     * that completed the request (a file system's, a client library's); a transport hands the
     * reply on (a virtio queue's worker, a write to /dev/fuse, a ring thread's wake-up) and does
     * not block here.
     */
    void complete(Served served);

    /**
     * For a caller that cannot take a {@linkplain Served#pending() pending} result (a transport
     * serving a file system that completes every request at once, a test, a benchmark): a request
     * that would complete later is waited for on the calling thread instead, and {@code handle}
     * returns its final result. Never called.
     */
    Completion SYNCHRONOUS = served -> {
        throw new IllegalStateException("a request completed through Completion.SYNCHRONOUS: " + served);
    };
}
