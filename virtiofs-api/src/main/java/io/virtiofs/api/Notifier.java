package io.virtiofs.api;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletionStage;

/**
 * Messages from the file system to the driver (FUSE notifications): tell the driver a cached
 * node, name or range changed behind its back.
 *
 * <p>The /dev/fuse transport supports them; the virtio-fs device has no notification queue (the
 * specification leaves notifications out), so there every method throws
 * {@code ErrnoException(ENOSYS)} and {@link #isSupported()} is false.
 *
 * <p>A notification about something the driver does not have cached fails with {@code ENOENT};
 * callers usually ignore that.
 */
public interface Notifier {

    /** Whether notifications reach a driver. */
    boolean isSupported();

    /**
     * FUSE_NOTIFY_INVAL_INODE: drop cached attributes and data of a node in a range.
     *
     * @param offset the first byte; negative to drop only the attributes
     * @param length how many bytes; 0 or less for "to the end"
     */
    void invalidateInode(long nodeid, long offset, long length);

    /**
     * FUSE_NOTIFY_INVAL_ENTRY: drop a cached name.
     *
     * @param expireOnly only mark it expired (with {@link Capability#HAS_EXPIRE_ONLY})
     */
    void invalidateEntry(long parent, FileName name, boolean expireOnly);

    /** FUSE_NOTIFY_DELETE: a name was removed; drop it and the node it names if unused. */
    void delete(long parent, long child, FileName name);

    /** FUSE_NOTIFY_STORE: put data into the driver's cache of a file. */
    void store(long nodeid, long offset, ByteBuf data);

    /**
     * FUSE_NOTIFY_RETRIEVE: ask for data in the driver's cache of a file; completes with the bytes
     * the driver had (possibly fewer than asked for).
     */
    CompletionStage<byte[]> retrieve(long nodeid, long offset, int size);

    /** FUSE_NOTIFY_POLL: wake the driver's poll on handle {@code kh}. */
    void pollWakeup(long kh);

    /** A notifier for transports without notifications: every call fails with ENOSYS. */
    Notifier UNSUPPORTED = new UnsupportedNotifier();
}
