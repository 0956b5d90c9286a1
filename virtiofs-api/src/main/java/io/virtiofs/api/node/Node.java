package io.virtiofs.api.node;

import io.virtiofs.api.Attr;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileType;
import io.virtiofs.api.SetattrRequest;
import io.virtiofs.api.StatFs;
import io.virtiofs.api.XattrFlags;
import io.virtiofs.api.XattrName;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One node of a tree served by {@link NodeFileSystem}: a directory, a file, a symbolic link, or
 * any other type a subclass names.
 *
 * <p><b>Identity.</b> A node is its object: the same object is the same node to the driver,
 * with the same nodeid and inode number every time it is looked up. A directory that answers a
 * lookup with a new object each time shows a new node each time (allowed, as for a file that was
 * replaced, but the driver's caches then learn nothing). {@link #equals} is identity and cannot be
 * overridden. Each node gets a number at construction, unique in this JVM and never reused: its
 * nodeid and, unless {@link #getattr} says otherwise, its inode number.
 *
 * <p><b>Threads.</b> Methods are called from several threads at once; a node with mutable state
 * guards it itself.
 *
 * <p><b>Errors.</b> A method fails by throwing {@link ErrnoException}. The defaults answer
 * {@code EROFS} for what would change the node and {@code ENOSYS} for what the node does not
 * support; the driver stops asking for some of those (the extended attributes) for the whole
 * mount, so a file system with extended attributes on some nodes answers {@code ENODATA} on the
 * others.
 */
public abstract class Node {

    private static final AtomicLong NEXT_ID = new AtomicLong(2); // 1 is the root's nodeid, 0 none

    private final long id = NEXT_ID.getAndIncrement();
    private volatile @Nullable DirectoryNode parent;

    protected Node() {
    }

    /** The node's type; fixed for its lifetime. */
    public abstract FileType type();

    /**
     * This node's number: unique among the nodes of this JVM, never reused, never 0 or 1. It is
     * the node's nodeid (the root's is 1 instead) and its default inode number.
     */
    public final long id() {
        return id;
    }

    /** The directory this node was last added to or found in, or null before that. */
    public final @Nullable DirectoryNode parent() {
        return parent;
    }

    final void parent(DirectoryNode directory) {
        parent = directory;
    }

    /**
     * The node's attributes ({@code stat(2)}): change what differs from the defaults
     * {@code attr} comes with: inode number {@link #id()}, mode 0755 for a directory, 0644 for a
     * file, 0777 for a symbolic link, one link (two for a directory, plus one for each
     * subdirectory the library keeps), owner and group 0, size 0, times the start of the
     * {@link NodeFileSystem}. The type bits of the mode are always {@link #type()}'s; set only the
     * permission bits. Blocks left 0 are counted from the size.
     */
    protected void getattr(Context ctx, Attr.Builder attr) {
    }

    /**
     * FUSE_SETATTR: change attributes (chmod, chown, truncate, utimes); the reply is then
     * {@link #getattr}'s. The default answers {@code EROFS}.
     */
    protected void setattr(Context ctx, SetattrRequest request) {
        throw new ErrnoException(Errno.EROFS, "setattr: node " + id + " cannot be changed");
    }

    /** FUSE_STATFS asked of this node. The default: no blocks, no inodes, names of 255 bytes. */
    protected StatFs statfs(Context ctx) {
        return new StatFs(0, 0, 0, 0, 0, 4096, 255, 4096);
    }

    /** An extended attribute's value ({@code ENODATA} when absent). The default answers {@code ENOSYS}. */
    protected byte[] getxattr(Context ctx, XattrName name) {
        throw new ErrnoException(Errno.ENOSYS, "getxattr is not implemented by " + getClass().getSimpleName());
    }

    /** The names of the extended attributes. The default answers {@code ENOSYS}. */
    protected List<XattrName> listxattr(Context ctx) {
        throw new ErrnoException(Errno.ENOSYS, "listxattr is not implemented by " + getClass().getSimpleName());
    }

    /** Sets an extended attribute. The default answers {@code ENOSYS}. */
    protected void setxattr(Context ctx, XattrName name, byte[] value, XattrFlags flags) {
        throw new ErrnoException(Errno.ENOSYS, "setxattr is not implemented by " + getClass().getSimpleName());
    }

    /** Removes an extended attribute. The default answers {@code ENOSYS}. */
    protected void removexattr(Context ctx, XattrName name) {
        throw new ErrnoException(Errno.ENOSYS, "removexattr is not implemented by " + getClass().getSimpleName());
    }

    /** Identity: a node is its object. */
    @Override
    public final boolean equals(@Nullable Object other) {
        return this == other;
    }

    @Override
    public final int hashCode() {
        return Long.hashCode(id);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "#" + id;
    }
}
