package io.virtiofs.s3;

import io.virtiofs.s3.store.ObjectInfo;
import org.jspecify.annotations.Nullable;

/**
 * One file or directory the driver knows by nodeid. Its path (relative to the root prefix, "" for
 * the root) changes on rename; what the store said about it last is kept with the time it was said.
 */
final class Node {

    final long id;
    final boolean directory;
    private volatile String path;
    private volatile @Nullable ObjectInfo info;
    private volatile long infoAt;
    /** Lookups the driver holds; guarded by the node table. */
    long lookups;
    /** Open handles; guarded by the node table. */
    int opens;
    /** Data written and not yet uploaded, shared by every handle of this node; guarded by this node. */
    @Nullable PendingObject pending;
    /** When its pending data was last changed (epoch millis). */
    volatile long writtenMillis;
    /**
     * The size of the pending data, or -1 when there is none, and whether it changed since the
     * last upload: published by {@link #pendingChanged()} so that stat, lookup and listings read
     * them without the monitor, which a flush holds for the whole upload.
     */
    private volatile long pendingSize = -1;
    private volatile boolean pendingDirty;
    /** Unlinked while open: its pending data is never uploaded. */
    volatile boolean unlinked;

    Node(long id, String path, boolean directory) {
        this.id = id;
        this.path = path;
        this.directory = directory;
    }

    /** Publishes the pending data's size and state; call with this node's monitor held. */
    void pendingChanged() {
        PendingObject p = pending;
        pendingDirty = p != null && p.dirty();
        pendingSize = p == null ? -1 : p.size();
    }

    /** The pending data's size, or -1 when there is none. */
    long pendingSize() {
        return pendingSize;
    }

    boolean pendingDirty() {
        return pendingDirty;
    }

    /** Whether the node holds data not (yet) in the store that it will upload. */
    boolean holdsPending() {
        return pendingSize >= 0 && !unlinked;
    }

    String path() {
        return path;
    }

    void path(String value) {
        path = value;
    }

    @Nullable ObjectInfo info() {
        return info;
    }

    long infoAt() {
        return infoAt;
    }

    void info(ObjectInfo value) {
        info = value;
        infoAt = System.nanoTime();
    }

    /** Forgets what the store said, so the next use asks again. */
    void invalidate() {
        infoAt = Long.MIN_VALUE / 2;
    }

    /** The child path of {@code name} under this directory's path. */
    String child(String name) {
        return path.isEmpty() ? name : path + "/" + name;
    }

    @Override
    public String toString() {
        return (directory ? "directory " : "file ") + id + " '" + path + "'";
    }
}
