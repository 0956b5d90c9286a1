package io.virtiofs.examples.memfs;

import io.virtiofs.api.Attr;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Entry;
import io.virtiofs.api.FileType;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A node of memfs: what a Linux {@code struct inode} holds (type, permissions, owner, link count,
 * times, extended attributes, locks) plus the counts that decide when it is freed.
 *
 * <p><b>Metadata lock.</b> The mutable metadata is guarded by one {@link ReentrantLock} per inode,
 * taken with {@link #lockMeta()}. It is a leaf lock: nothing else is locked while it is held.
 * Methods named {@code ...Locked} must be called with it held. After a change, the holder calls
 * {@link #publishLocked()}, which builds a new immutable {@link AttrReply}; {@link #attrReply()}
 * returns the latest one from a volatile field, so getattr takes no lock and allocates nothing.
 *
 * <p><b>Life.</b> An inode lives while it has a name (nlink &gt; 0), while the driver remembers it
 * (lookups &gt; 0, given back with forget), or while a handle is open on it. When all three are
 * zero the {@link InodeTable} evicts it: its nodeid is forgotten, its data and inode are given
 * back to the {@link Capacity}. Nodeids are never reused, so generation is always 0.
 *
 * <p>Subclasses call {@link #publishInitial()} at the end of their constructor, once the fields
 * that {@link #size()} and {@link #allocatedBytes()} read are set.
 */
abstract sealed class Inode permits DirectoryInode, FileInode, SymlinkInode, SpecialInode {

    static final int S_ISUID = 04000;
    static final int S_ISGID = 02000;
    static final int S_ISVTX = 01000;
    static final int S_IXGRP = 00010;
    /** The most links a node may have ({@code EMLINK} beyond; ext4's limit). */
    static final int MAX_LINKS = 65_000;

    private final long id;
    private final FileType type;
    private final MemFsConfig config;
    private final Instant btime;
    private final ReentrantLock metaLock = new ReentrantLock();

    // Guarded by metaLock.
    private int permissions;
    private int uid;
    private int gid;
    private int nlink;
    private Instant atime;
    private Instant mtime;
    private Instant ctime;
    private long lookups;
    private int openCount;
    private boolean evicted;
    private @Nullable Xattrs xattrs;

    /** The latest published attributes; written under metaLock, read without it. */
    private volatile @Nullable AttrReply attrReply;
    /** The entry for the latest attributes, built on first use (a benign race builds it twice). */
    private volatile @Nullable Entry entry;
    /** Record and flock locks, created on first use. */
    private volatile @Nullable LockTable locks;

    Inode(long id, FileType type, MemFsConfig config, InodeInit init) {
        this.id = id;
        this.type = type;
        this.config = config;
        this.btime = init.now();
        this.permissions = init.permissions();
        this.uid = init.uid();
        this.gid = init.gid();
        this.nlink = init.nlink();
        this.lookups = init.lookups();
        this.atime = init.now();
        this.mtime = init.now();
        this.ctime = init.now();
    }

    /** The nodeid, which is also the inode number shown to users. */
    final long id() {
        return id;
    }

    final FileType type() {
        return type;
    }

    /** The birth time ({@code statx} {@code stx_btime}). */
    final Instant btime() {
        return btime;
    }

    /** The size in bytes as {@code st_size} shows it (read without the metadata lock). */
    abstract long size();

    /** The bytes of storage allocated to the node ({@code st_blocks * 512}). */
    long allocatedBytes() {
        return 0;
    }

    /** The device number of a device node. */
    int rdev() {
        return 0;
    }

    /** Frees what the node holds beyond its metadata; called once, when it is evicted. */
    void discardContent() {
    }

    // ------------------------------------------------------------------ attributes

    /** The latest attributes and their validity: no lock, no allocation. */
    final AttrReply attrReply() {
        AttrReply reply = attrReply;
        if (reply == null) {
            throw new IllegalStateException("inode " + id + " was never published");
        }
        return reply;
    }

    /** The latest attributes. */
    final Attr attr() {
        return attrReply().attr();
    }

    /** The entry a lookup answers for this node, with the latest attributes. */
    final Entry entry() {
        AttrReply current = attrReply();
        Entry cached = entry;
        if (cached != null && cached.attr() == current.attr()) {
            return cached;
        }
        Entry fresh = new Entry(id, 0, current.attr(), config.entryTimeout(), config.attrTimeout());
        entry = fresh;
        return fresh;
    }

    /** Publishes the starting attributes; the last statement of a subclass constructor. */
    final void publishInitial() {
        lockMeta();
        try {
            publishLocked();
        } finally {
            unlockMeta();
        }
    }

    /** Builds and publishes the attributes from the current metadata. */
    final void publishLocked() {
        Attr attr = new Attr(id, size(), (allocatedBytes() + 511) / 512,
                atime.getEpochSecond(), atime.getNano(), mtime.getEpochSecond(), mtime.getNano(),
                ctime.getEpochSecond(), ctime.getNano(), type.modeBits() | permissions, nlink, uid, gid,
                rdev(), config.blockSize(), 0);
        attrReply = new AttrReply(attr, config.attrTimeout());
    }

    // ------------------------------------------------------------------ the metadata lock

    final void lockMeta() {
        metaLock.lock();
    }

    final void unlockMeta() {
        metaLock.unlock();
    }

    final int permissionsLocked() {
        return permissions;
    }

    final void setPermissionsLocked(int value) {
        if ((value & ~07777) != 0) {
            throw new IllegalArgumentException("permissions 0" + Integer.toOctalString(value));
        }
        permissions = value;
    }

    final int uidLocked() {
        return uid;
    }

    final int gidLocked() {
        return gid;
    }

    final void setOwnerLocked(int newUid, int newGid) {
        uid = newUid;
        gid = newGid;
    }

    final int nlinkLocked() {
        return nlink;
    }

    final void setNlinkLocked(int value) {
        if (value < 0) {
            throw new IllegalStateException("inode " + id + " link count would become " + value);
        }
        nlink = value;
    }

    final Instant atimeLocked() {
        return atime;
    }

    final Instant mtimeLocked() {
        return mtime;
    }

    final Instant ctimeLocked() {
        return ctime;
    }

    /** The lookups the driver holds (a migrated node keeps them). */
    final long lookupsLocked() {
        return lookups;
    }

    final void setAtimeLocked(Instant value) {
        atime = value;
    }

    final void setMtimeLocked(Instant value) {
        mtime = value;
    }

    final void setCtimeLocked(Instant value) {
        ctime = value;
    }

    /** The extended attributes, created on first use. */
    final Xattrs xattrsLocked() {
        Xattrs x = xattrs;
        if (x == null) {
            x = new Xattrs();
            xattrs = x;
        }
        return x;
    }

    /** The extended attributes if any were ever set. */
    final @Nullable Xattrs existingXattrsLocked() {
        return xattrs;
    }

    // ------------------------------------------------------------------ one-step updates

    /** The status changed (chmod, link, rename, xattr): ctime = now, then publish. */
    final void changed(Instant now) {
        lockMeta();
        try {
            ctime = now;
            publishLocked();
        } finally {
            unlockMeta();
        }
    }

    /** The content changed (write, truncate, entries added or removed): mtime = ctime = now. */
    final void modified(Instant now) {
        lockMeta();
        try {
            mtime = now;
            ctime = now;
            publishLocked();
        } finally {
            unlockMeta();
        }
    }

    /** Content was read at {@code now}: updates atime if {@code policy} says so. */
    final void accessed(Instant now, AtimePolicy policy) {
        if (!policy.mayUpdate(attr(), now)) {
            return;
        }
        lockMeta();
        try {
            if (policy.shouldUpdate(atime, mtime, ctime, now)) {
                atime = now;
                publishLocked();
            }
        } finally {
            unlockMeta();
        }
    }

    // ------------------------------------------------------------------ life

    /** One more lookup reached the driver (an entry was answered for this node). */
    final void addLookup() {
        lockMeta();
        try {
            lookups++;
        } finally {
            unlockMeta();
        }
    }

    /**
     * Adds a lookup unless the node was already evicted (a lookup of ".." can race with the
     * parent being moved and removed): false then, and nothing counted.
     */
    final boolean tryAddLookup() {
        lockMeta();
        try {
            if (evicted) {
                return false;
            }
            lookups++;
            return true;
        } finally {
            unlockMeta();
        }
    }

    /** Adds a lookup with the metadata lock already held (link, which also changes nlink). */
    final void addLookupLocked() {
        lookups++;
    }

    /** The driver gave back {@code count} lookups. */
    final void forget(long count) {
        lockMeta();
        try {
            lookups = count >= lookups ? 0 : lookups - count;
        } finally {
            unlockMeta();
        }
    }

    /** A handle was opened on this node. */
    final void addOpen() {
        lockMeta();
        try {
            openCount++;
        } finally {
            unlockMeta();
        }
    }

    /** A handle on this node was closed. */
    final void removeOpen() {
        lockMeta();
        try {
            if (openCount == 0) {
                throw new IllegalStateException("inode " + id + " has no open handle to close");
            }
            openCount--;
        } finally {
            unlockMeta();
        }
    }

    /**
     * Marks the node evicted if nothing can reach it any more (no name, no lookup, no handle).
     *
     * @return true exactly once: for the caller that must free it
     */
    final boolean markEvictedIfUnreachable() {
        lockMeta();
        try {
            if (evicted || nlink > 0 || lookups > 0 || openCount > 0) {
                return false;
            }
            evicted = true;
            return true;
        } finally {
            unlockMeta();
        }
    }

    // ------------------------------------------------------------------ locks

    /** The node's record and flock locks, created on first use. */
    final LockTable locks() {
        LockTable table = locks;
        if (table == null) {
            lockMeta();
            try {
                table = locks;
                if (table == null) {
                    table = new LockTable();
                    locks = table;
                }
            } finally {
                unlockMeta();
            }
        }
        return table;
    }

    /** The lock table if a lock was ever asked for on this node. */
    final @Nullable LockTable existingLocks() {
        return locks;
    }

    @Override
    public String toString() {
        return type + " inode " + id;
    }
}
