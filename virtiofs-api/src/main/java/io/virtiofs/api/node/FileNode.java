package io.virtiofs.api.node;

import io.netty.buffer.ByteBuf;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileType;
import io.virtiofs.api.OpenFlags;
import org.jspecify.annotations.Nullable;

/**
 * A regular file node. The least a readable file overrides is {@link #read} (and
 * {@link #getattr} for its size); a file with state per open overrides {@link #open} to return a
 * {@link FileHandle}.
 *
 * <p>By default a file is read-only: an open for writing or truncating answers {@code EROFS}. A
 * writable file overrides {@link #open} (returning null serves the open through this node) and
 * {@link #write}, and {@link #setattr} for truncation.
 */
public abstract class FileNode extends Node {

    protected FileNode() {
    }

    @Override
    public final FileType type() {
        return FileType.REGULAR;
    }

    /**
     * FUSE_OPEN (and after {@link DirectoryNode#create}): the state of this open file, or null to
     * have this node serve it ({@link #read}, {@link #write}). The default refuses writing and
     * truncating with {@code EROFS} and answers null.
     */
    protected @Nullable FileHandle open(Context ctx, OpenFlags flags) {
        if (flags.canWrite() || flags.truncate()) {
            throw new ErrnoException(Errno.EROFS, "open for writing: file " + id() + " is read-only");
        }
        return null;
    }

    /**
     * {@code FOPEN_*} flags for an open this node serves itself (null from {@link #open}); for
     * example {@link io.virtiofs.api.OpenReply#KEEP_CACHE} when the content never changes, so the
     * driver keeps its page cache from one open to the next. Default 0.
     */
    protected int openReplyFlags() {
        return 0;
    }

    /**
     * FUSE_READ on an open this node serves: add up to {@code size} bytes from {@code offset} to
     * {@code dst} ({@code dst.writeBytes(...)}); fewer only at the end of the file. Default
     * {@code ENOSYS}.
     */
    protected void read(Context ctx, long offset, int size, ByteBuf dst) {
        throw new ErrnoException(Errno.ENOSYS, "read is not implemented by " + getClass().getSimpleName());
    }

    /** FUSE_WRITE on an open this node serves: the count written. Default {@code EROFS}. */
    protected int write(Context ctx, long offset, ByteBuf data) {
        throw new ErrnoException(Errno.EROFS, "write: file " + id() + " is read-only");
    }
}
