package io.virtiofs.api;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A file system whose requests may wait on something slow (a remote store, a network service)
 * without holding a thread per waiting request: the operations that typically wait answer a
 * {@link CompletionStage}, and the server sends the reply when the stage completes, from whatever
 * thread completes it.
 *
 * <p><b>Opt-in, per operation.</b> Implement this interface instead of {@link FileSystem} and
 * override the {@code ...Async} methods of the operations that wait; every default calls the
 * synchronous method and answers a completed stage, so the rest (and every operation not listed
 * here: locks, xattrs, links, ...) keeps the synchronous contract. The server checks once, when it
 * is made, whether its file system is asynchronous; a synchronous file system takes exactly the
 * path it always did.
 *
 * <p><b>The contract of a stage.</b>
 * <ul>
 * <li>It completes exactly once, normally or exceptionally; an {@link ErrnoException} (thrown by
 *     the method, or completing the stage) is an ordinary error answer, anything else is a bug
 *     answered EIO and logged, and a cancelled stage ({@link java.util.concurrent.CancellationException})
 *     is answered EINTR.
 * <li>Until it completes, the {@link Context} and the buffers handed to the method stay valid and
 *     belong to the request: {@code readAsync}'s {@code dst} (guest memory, for virtio-fs),
 *     {@code writeAsync}'s {@code data}, the directory sinks. Write into {@code dst} and add to
 *     the sinks before completing the stage, never after; never keep them beyond it.
 * <li>Cancellation: when the driver interrupts the request, or the transport stops, the context
 *     reports it ({@link Context#isCancelled()}) and runs the action given to
 *     {@link Context#onCancel(Runnable)}; abort the wait there and complete the stage with
 *     {@code ErrnoException(EINTR)} (or cancel it). A request the file system never completes
 *     holds its buffers for good: a transport that stops waits for its pending requests for a
 *     while, then goes on without them.
 * <li>Completing a stage must not wait for other requests of the same session to be served: the
 *     completion runs the server's reply path on the completing thread, briefly.
 * </ul>
 */
public interface AsyncFileSystem extends FileSystem {

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    private static CompletionStage<Void> done() {
        return CompletableFuture.completedFuture(null);
    }

    /** {@link #lookup}, asynchronously. */
    default CompletionStage<Entry> lookupAsync(Context ctx, long parent, FileName name) {
        return done(lookup(ctx, parent, name));
    }

    /** {@link #getattr}, asynchronously. */
    default CompletionStage<AttrReply> getattrAsync(Context ctx, long nodeid) {
        return done(getattr(ctx, nodeid));
    }

    /**
     * {@link #fgetattr}, asynchronously. The default asks {@link #getattrAsync}, as the
     * synchronous default asks {@link #getattr}.
     */
    default CompletionStage<AttrReply> fgetattrAsync(Context ctx, long nodeid, long fh) {
        return getattrAsync(ctx, nodeid);
    }

    /** {@link #setattr}, asynchronously. */
    default CompletionStage<AttrReply> setattrAsync(Context ctx, long nodeid, SetattrRequest request) {
        return done(setattr(ctx, nodeid, request));
    }

    /** {@link #mkdir}, asynchronously. */
    default CompletionStage<Entry> mkdirAsync(Context ctx, long parent, FileName name, int mode) {
        return done(mkdir(ctx, parent, name, mode));
    }

    /** {@link #unlink}, asynchronously. */
    default CompletionStage<Void> unlinkAsync(Context ctx, long parent, FileName name) {
        unlink(ctx, parent, name);
        return done();
    }

    /** {@link #rmdir}, asynchronously. */
    default CompletionStage<Void> rmdirAsync(Context ctx, long parent, FileName name) {
        rmdir(ctx, parent, name);
        return done();
    }

    /** {@link #rename}, asynchronously. */
    default CompletionStage<Void> renameAsync(Context ctx, long parent, FileName name, long newParent,
                                              FileName newName, RenameFlags flags) {
        rename(ctx, parent, name, newParent, newName, flags);
        return done();
    }

    /** {@link #open}, asynchronously. */
    default CompletionStage<OpenReply> openAsync(Context ctx, long nodeid, OpenFlags flags) {
        return done(open(ctx, nodeid, flags));
    }

    /** {@link #create}, asynchronously. */
    default CompletionStage<CreateReply> createAsync(Context ctx, long parent, FileName name, int mode,
                                                     OpenFlags flags) {
        return done(create(ctx, parent, name, mode, flags));
    }

    /**
     * {@link #read}, asynchronously: write into {@code dst} (it stays valid until the stage
     * completes), then complete the stage.
     */
    default CompletionStage<Void> readAsync(Context ctx, ReadRequest request, ByteBuf dst) {
        read(ctx, request, dst);
        return done();
    }

    /**
     * {@link #write}, asynchronously: read {@code data} (valid until the stage completes), then
     * complete the stage with the number of bytes written.
     */
    default CompletionStage<Integer> writeAsync(Context ctx, WriteRequest request, ByteBuf data) {
        return done(write(ctx, request, data));
    }

    /** {@link #flush}, asynchronously. */
    default CompletionStage<Void> flushAsync(Context ctx, long nodeid, long fh, long lockOwner) {
        flush(ctx, nodeid, fh, lockOwner);
        return done();
    }

    /** {@link #fsync}, asynchronously. */
    default CompletionStage<Void> fsyncAsync(Context ctx, long nodeid, long fh, boolean datasync) {
        fsync(ctx, nodeid, fh, datasync);
        return done();
    }

    /** {@link #release}, asynchronously. */
    default CompletionStage<Void> releaseAsync(Context ctx, ReleaseRequest request) {
        release(ctx, request);
        return done();
    }

    /** {@link #opendir}, asynchronously. */
    default CompletionStage<OpenReply> opendirAsync(Context ctx, long nodeid, OpenFlags flags) {
        return done(opendir(ctx, nodeid, flags));
    }

    /**
     * {@link #readdir}, asynchronously: add entries to {@code sink} (valid until the stage
     * completes), then complete the stage.
     */
    default CompletionStage<Void> readdirAsync(Context ctx, long nodeid, long fh, long offset, DirectorySink sink) {
        readdir(ctx, nodeid, fh, offset, sink);
        return done();
    }

    /** {@link #readdirplus}, asynchronously, as {@link #readdirAsync}. */
    default CompletionStage<Void> readdirplusAsync(Context ctx, long nodeid, long fh, long offset,
                                                   DirectoryPlusSink sink) {
        readdirplus(ctx, nodeid, fh, offset, sink);
        return done();
    }

    /** {@link #releasedir}, asynchronously. */
    default CompletionStage<Void> releasedirAsync(Context ctx, ReleaseRequest request) {
        releasedir(ctx, request);
        return done();
    }

    /** {@link #statfs}, asynchronously. */
    default CompletionStage<StatFs> statfsAsync(Context ctx, long nodeid) {
        return done(statfs(ctx, nodeid));
    }
}
