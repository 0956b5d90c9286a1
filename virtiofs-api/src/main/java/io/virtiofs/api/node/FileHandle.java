package io.virtiofs.api.node;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;

/**
 * The state of one open file, for a {@link FileNode} that needs some (a stream positioned where
 * the last read ended, a descriptor of a backing file, buffered writes). The library keeps it
 * under a handle number of its own from {@link FileNode#open} to release and routes every
 * request on that open file here. A file that needs no state per open answers null from
 * {@link FileNode#open}, and the node itself serves the reads and writes.
 */
public interface FileHandle {

    /**
     * FUSE_READ: add up to {@code size} bytes from {@code offset} to {@code dst}
     * ({@code dst.writeBytes(...)}); fewer only at the end of the file. Default {@code ENOSYS}.
     */
    default void read(Context ctx, long offset, int size, ByteBuf dst) {
        throw new ErrnoException(Errno.ENOSYS, "read is not implemented by " + getClass().getSimpleName());
    }

    /** FUSE_WRITE: write the readable bytes of {@code data} at {@code offset}; the count written. Default {@code EROFS}. */
    default int write(Context ctx, long offset, ByteBuf data) {
        throw new ErrnoException(Errno.EROFS, "write: the file is not writable");
    }

    /** FUSE_FLUSH: one descriptor of the open file closed. Default: nothing to do. */
    default void flush(Context ctx) {
    }

    /** FUSE_FSYNC. Default: nothing to make durable. */
    default void fsync(Context ctx, boolean datasync) {
    }

    /** FUSE_RELEASE: the last close; the handle is forgotten after this. Default: nothing to free. */
    default void release(Context ctx) {
    }

    /** {@code FOPEN_*} flags for the open reply ({@link io.virtiofs.api.OpenReply#KEEP_CACHE}, ...). Default 0. */
    default int openReplyFlags() {
        return 0;
    }
}
