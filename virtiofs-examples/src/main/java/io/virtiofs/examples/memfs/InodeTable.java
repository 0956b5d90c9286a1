package io.virtiofs.examples.memfs;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileSystem;
import java.time.Instant;
import java.util.function.LongFunction;

/**
 * The live inodes by nodeid, and their birth and death: an inode is added when created (taking
 * one inode of the {@link Capacity}) and evicted when unreachable (no name, no lookup, no handle),
 * giving back its inode and its data blocks. The root (nodeid 1) is created with the table and
 * never evicted (it keeps its two links).
 */
final class InodeTable {

    private final IdTable<Inode> byId = new IdTable<>(FileSystem.ROOT_ID);
    private final Capacity capacity;
    private final DirectoryInode root;

    InodeTable(MemFsConfig config, Capacity capacity) {
        this.capacity = capacity;
        if (!capacity.tryReserveInode()) {
            throw new IllegalStateException("no inode for the root");
        }
        Instant now = config.clock().instant();
        InodeInit init = new InodeInit(config.rootUid(), config.rootGid(), config.rootMode(), 2, 0, now);
        long id = byId.add(rootId -> new DirectoryInode(rootId, config, init, null));
        if (id != FileSystem.ROOT_ID) {
            throw new IllegalStateException("the root got nodeid " + id);
        }
        this.root = (DirectoryInode) byId.get(id);
    }

    DirectoryInode root() {
        return root;
    }

    /**
     * Creates an inode with a fresh nodeid.
     *
     * @throws ErrnoException {@code ENOSPC} when the inodes are all in use
     */
    <T extends Inode> T create(LongFunction<T> factory) {
        if (!capacity.tryReserveInode()) {
            throw new ErrnoException(Errno.ENOSPC, "no free inode");
        }
        try {
            long id = byId.add(factory);
            @SuppressWarnings("unchecked")
            T inode = (T) byId.get(id);
            return inode;
        } catch (RuntimeException e) {
            capacity.releaseInode();
            throw e;
        }
    }

    /**
     * The inode with this nodeid.
     *
     * @throws ErrnoException {@code ENOENT} if there is none (never existed, or evicted)
     */
    Inode get(long nodeid) {
        Inode inode = byId.get(nodeid);
        if (inode == null) {
            throw new ErrnoException(Errno.ENOENT, "no node " + nodeid);
        }
        return inode;
    }

    /**
     * The directory with this nodeid.
     *
     * @throws ErrnoException {@code ENOENT} if there is none, {@code ENOTDIR} if it is no directory
     */
    DirectoryInode directory(long nodeid) {
        if (get(nodeid) instanceof DirectoryInode dir) {
            return dir;
        }
        throw new ErrnoException(Errno.ENOTDIR, "node " + nodeid + " is not a directory");
    }

    /**
     * Adds a migrated inode under its own nodeid, taking one inode of the capacity.
     *
     * @throws ErrnoException {@code ENOSPC} when the inodes are all in use
     */
    void restore(Inode inode) {
        if (!capacity.tryReserveInode()) {
            throw new ErrnoException(Errno.ENOSPC, "no free inode for node " + inode.id());
        }
        try {
            byId.restore(inode.id(), inode);
        } catch (RuntimeException e) {
            capacity.releaseInode();
            throw e;
        }
    }

    /** Takes back a migrated inode that could not be restored whole: removes it and frees its content. */
    void unrestore(Inode inode) {
        if (byId.remove(inode.id(), inode)) {
            inode.discardContent();
            capacity.releaseInode();
        }
    }

    /** The next nodeid handed out. */
    long nextId() {
        return byId.nextId();
    }

    /** Numbers later nodes from {@code next} on. */
    void advanceTo(long next) {
        byId.advanceTo(next);
    }

    /** Calls {@code action} for every live inode, in nodeid order. */
    void forEach(java.util.function.Consumer<Inode> action) {
        byId.forEach(action);
    }

    /** The driver gave back {@code count} lookups of a node; frees it if nothing else holds it. */
    void forget(long nodeid, long count) {
        Inode inode = byId.get(nodeid);
        if (inode != null) {
            inode.forget(count);
            evictIfUnreachable(inode);
        }
    }

    /**
     * Frees {@code inode} if nothing can reach it any more: removes its nodeid, gives back its
     * inode and data. Call after every change that may make it unreachable (unlink, rmdir, rename
     * over it, forget, release), outside the metadata lock.
     */
    void evictIfUnreachable(Inode inode) {
        if (inode.markEvictedIfUnreachable()) {
            byId.remove(inode.id(), inode);
            inode.discardContent();
            capacity.releaseInode();
        }
    }
}
