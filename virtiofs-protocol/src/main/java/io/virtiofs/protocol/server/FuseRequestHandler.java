package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;

/**
 * What a transport feeds requests to: {@link FuseServer} in production, a lambda in a transport's
 * own tests.
 */
public interface FuseRequestHandler {

    /**
     * Handles one complete request and writes its reply.
     *
     * <p>{@code request}'s readable bytes are the whole request, {@code fuse_in_header} first. The
     * reply is written from {@code reply}'s writer index, never beyond its
     * {@link ByteBuf#maxWritableBytes()}: the transport sizes that to the space the driver gave.
     * Neither buffer is kept or released. Thread-safe: transports call this from several threads.
     * Never throws for anything the request contains.
     */
    Outcome handle(ByteBuf request, ByteBuf reply);

    /**
     * Called by a transport on each of its threads before that thread's first {@link #handle}, so
     * that per-thread state is set up there and not inside the first request: the JIT compiles the
     * request path from a profile in which the set-up never happens, and a set-up found there later
     * sends the compiled code back to the interpreter (seen as a guest connected: a queue worker's
     * first thread-local lookup trapped in its compiled loop).
     */
    default void prepareThread() {
    }

    /**
     * Whether serving {@code request} may wait for other requests to be served first (a lock wait:
     * F_SETLKW, a blocking flock). A transport runs such a request on a thread of its own, never on
     * a queue's or worker's only thread, so the request that would end the wait can still be read.
     * Reads the request without moving its indexes.
     */
    default boolean mayBlock(ByteBuf request) {
        return false;
    }

    /**
     * The driver is gone (the device was reset, the mount went away) without a FUSE_DESTROY:
     * release the session's state and be ready for a new FUSE_INIT.
     */
    default void sessionEnded() {
    }

    /**
     * The transport is stopping (its mount is being closed): cancel every request running now, as
     * a FUSE_INTERRUPT of each would, so that a file system waiting inside one (for a lock, say)
     * gives up and the transport's threads can finish. Requests that start later are not affected.
     */
    default void cancelRunning() {
    }

    /**
     * A reply the transport could not deliver: the /dev/fuse driver refused it because the request
     * was interrupted and abandoned meanwhile. The server takes back what the reply handed out
     * (lookups of the entries in it, an open handle), as if the driver had never seen it.
     *
     * @param request the whole request again, {@code fuse_in_header} at its reader index
     * @param reply the reply, at its reader index
     */
    default void replyNotDelivered(ByteBuf request, ByteBuf reply) {
    }
}
