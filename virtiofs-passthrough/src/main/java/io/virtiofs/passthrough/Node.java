package io.virtiofs.passthrough;

import io.virtiofs.api.FileType;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.HostFileHandle;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.lang.System.Logger.Level;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * One host inode the guest holds: its nodeid, who it is on the host ({@link InodeKey}), its type
 * (which never changes for an inode), and how it is reached: an {@code O_PATH} descriptor of its
 * own, or a file handle opened again for each request.
 *
 * <p>The lookup count is kept by {@link NodeTable} under its lock; when it reaches zero the node
 * is {@linkplain #retire() retired} and its descriptor closed once no request has it pinned.
 */
final class Node extends Pinned {

    private static final System.Logger LOG = System.getLogger(Node.class.getName());

    final long nodeid;
    final InodeKey key;
    final FileType type;
    /** The node's O_PATH descriptor, or -1 when it is reached by {@link #handle}. */
    final int fd;
    final @Nullable HostFileHandle handle;
    private final @Nullable DescriptorBudget budget;
    /** Guarded by the table's lock. */
    long lookups;
    /** Per POSIX lock owner, the descriptor holding its record locks (made on first use). */
    private volatile @Nullable ConcurrentHashMap<Long, LockOwnerFile> lockOwners;

    Node(long nodeid, InodeKey key, FileType type, int fd, @Nullable HostFileHandle handle,
         @Nullable DescriptorBudget budget) {
        this.nodeid = nodeid;
        this.key = key;
        this.type = type;
        this.fd = fd;
        this.handle = handle;
        this.budget = budget;
    }

    /** Whether opening this node on the host is allowed: regular files and directories only. */
    boolean isOpenable() {
        return type == FileType.REGULAR || type == FileType.DIRECTORY;
    }

    /** The lock owners' descriptors, made when first asked for. */
    ConcurrentHashMap<Long, LockOwnerFile> lockOwners() {
        ConcurrentHashMap<Long, LockOwnerFile> owners = lockOwners;
        if (owners == null) {
            synchronized (this) {
                owners = lockOwners;
                if (owners == null) {
                    owners = new ConcurrentHashMap<>();
                    lockOwners = owners;
                }
            }
        }
        return owners;
    }

    /** The lock owners' descriptors if any were made. */
    @Nullable ConcurrentHashMap<Long, LockOwnerFile> existingLockOwners() {
        return lockOwners;
    }

    @Override
    void close() {
        ConcurrentHashMap<Long, LockOwnerFile> owners = lockOwners;
        if (owners != null) {
            owners.values().forEach(LockOwnerFile::close);
            owners.clear();
        }
        if (fd >= 0) {
            try {
                FileCalls.close(fd);
            } catch (NativeException e) {
                LOG.log(Level.WARNING, "closing the descriptor of node " + nodeid + " failed: " + e.getMessage());
            }
            if (budget != null) {
                budget.release();
            }
        }
    }

    @Override
    public String toString() {
        return "node " + nodeid + " (" + type + ", ino " + key.ino() + ")";
    }
}
