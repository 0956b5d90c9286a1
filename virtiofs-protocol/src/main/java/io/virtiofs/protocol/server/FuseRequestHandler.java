package io.virtiofs.protocol.server;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Errno;

/**
 * What a transport feeds requests to: {@link FuseServer} in production, a small handler in a
 * transport's own tests. The handler owns every byte of FUSE: a transport moves buffers and acts
 * on the {@link Served} result; it never reads a header field nor writes a reply itself.
 *
 * <p>Thread-safe: transports call every method from several threads at once. Nothing a request
 * contains makes a method throw.
 */
public interface FuseRequestHandler {

    /**
     * Handles one complete request and writes its reply.
     *
     * <p>{@code request}'s readable bytes are the whole request, {@code fuse_in_header} first. The
     * reply is written from {@code reply}'s writer index, never beyond its
     * {@link ByteBuf#maxWritableBytes()}: the transport sizes that to the space the driver gave.
     * Neither buffer is kept or released, except that a request answered
     * {@link Served#pending()} keeps both until it calls {@code completion}, exactly once, from
     * any thread (possibly before this method has returned to the transport).
     *
     * @param completion where a pending request finishes; unused otherwise
     */
    Served handle(ByteBuf request, ByteBuf reply, Completion completion);

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
     * How the transport should schedule {@code request} (read without moving its indexes): on the
     * hiprio path, on a thread of its own because it may wait for other requests, or normally.
     */
    default RequestClass classify(ByteBuf request) {
        return RequestClass.NORMAL;
    }

    /**
     * Answers {@code request} with {@code errno}, for a failure outside the handler (no thread was
     * left to run it, the handler itself threw, a worker is stopping): an error reply carrying the
     * request's {@code unique}, in the session's byte order, written from {@code reply}'s writer
     * index. A request that takes no reply gets none ({@link Served#noReply()}), and one whose
     * header cannot be read gets an error reply with unique 0.
     */
    Served answerFailure(ByteBuf request, ByteBuf reply, Errno errno);

    /**
     * {@link #answerFailure(ByteBuf, ByteBuf, Errno)}, for a transport that must answer every
     * request it was handed whatever it is (FUSE over io_uring frees a ring entry only with a
     * committed reply): with {@code evenWithoutReply}, a request that takes no reply is answered
     * too.
     */
    default Served answerFailure(ByteBuf request, ByteBuf reply, Errno errno, boolean evenWithoutReply) {
        return answerFailure(request, reply, errno);
    }

    /**
     * Whether {@link #handle} may answer {@link Served#pending()} (the file system completes some
     * requests asynchronously). Asked once, when a transport starts: one that must prepare
     * buffers for requests that outlive their call does so only then.
     */
    default boolean mayCompleteLater() {
        return false;
    }

    /**
     * The driver is gone (the device was reset, the mount went away) without a FUSE_DESTROY:
     * release the session's state and be ready for a new FUSE_INIT. Requests still pending then
     * complete with {@link Served#noReply()}.
     */
    default void sessionEnded() {
    }

    /**
     * The transport is stopping (its mount is being closed): cancel every request running or
     * pending now, as a FUSE_INTERRUPT of each would, so that a file system waiting inside one (for
     * a lock, a remote store) gives up and the transport's threads can finish. Requests that start
     * later are not affected.
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
