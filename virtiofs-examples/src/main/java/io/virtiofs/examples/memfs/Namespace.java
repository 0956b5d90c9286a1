package io.virtiofs.examples.memfs;

import io.virtiofs.api.AccessMask;
import io.virtiofs.api.Context;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileType;
import io.virtiofs.api.SecurityLabel;
import io.virtiofs.api.SymlinkTarget;
import io.virtiofs.api.XattrFlags;
import java.time.Instant;
import java.util.concurrent.locks.Lock;

/**
 * Names: lookup, creating nodes (mknod, mkdir, symlink, create, tmpfile), link, unlink and rmdir,
 * with the checks and errors of POSIX and Linux ({@code fs/namei.c}).
 *
 * <p>Each operation locks the one directory it changes (write lock) or reads (read lock); see
 * {@link DirectoryInode} for the lock order. Every answered entry counts one lookup of its node.
 */
final class Namespace {

    private final InodeTable inodes;
    private final Capacity capacity;
    private final Permissions permissions;
    private final MemFsConfig config;

    Namespace(InodeTable inodes, Capacity capacity, Permissions permissions, MemFsConfig config) {
        this.inodes = inodes;
        this.capacity = capacity;
        this.permissions = permissions;
        this.config = config;
    }

    /**
     * FUSE_LOOKUP: needs search permission on the directory. "." and ".." resolve to the directory
     * and its parent (the root is its own parent).
     */
    Entry lookup(Context ctx, long parentId, FileName name) {
        DirectoryInode parent = inodes.directory(parentId);
        permissions.check(ctx, parent, AccessMask.X_OK);
        Inode found;
        Lock read = parent.readLock();
        read.lock();
        try {
            if (name == FileName.DOT) {
                found = parent;
            } else if (name == FileName.DOT_DOT) {
                found = parent.parent();
            } else {
                found = parent.findLocked(name);
                if (found == null) {
                    if (config.negativeTimeout().isZero()) {
                        throw new ErrnoException(Errno.ENOENT, name + " not found in directory " + parentId);
                    }
                    return Entry.negative(config.negativeTimeout());
                }
            }
            // Counted under the directory's lock, so a named child cannot lose its last name
            // meanwhile; only the parent of ".." may be gone (moved away and removed).
            if (!found.tryAddLookup()) {
                throw new ErrnoException(Errno.ENOENT, "the parent of directory " + parentId + " is gone");
            }
        } finally {
            read.unlock();
        }
        return found.entry();
    }

    /** FUSE_MKNOD: a regular file, fifo, socket or device node (devices need root). */
    Entry mknod(Context ctx, long parentId, FileName name, int mode, int rdev) {
        FileType type = (mode & FileType.S_IFMT) == 0 ? FileType.REGULAR : FileType.ofMode(mode);
        switch (type) {
            case DIRECTORY -> throw new ErrnoException(Errno.EPERM, "mknod cannot make directories");
            case SYMLINK -> throw new ErrnoException(Errno.EINVAL, "mknod cannot make symbolic links");
            case CHARACTER_DEVICE, BLOCK_DEVICE -> {
                boolean whiteout = type == FileType.CHARACTER_DEVICE && rdev == 0;
                if (permissions.enforced(ctx) && ctx.uid() != 0 && !whiteout) {
                    throw new ErrnoException(Errno.EPERM, "only root makes device nodes");
                }
            }
            default -> {
            }
        }
        NodeSpec spec = new NodeSpec(type, mode & 07777, ctx.umask() & 0777, 1);
        Inode node = createNode(ctx, parentId, name, spec, (id, init) -> type == FileType.REGULAR
                ? new FileInode(id, config, init, capacity, false)
                : new SpecialInode(id, type, config, init, rdev));
        return node.entry();
    }

    /** FUSE_MKDIR: set-user-ID and set-group-ID in {@code mode} are ignored (as Linux does). */
    Entry mkdir(Context ctx, long parentId, FileName name, int mode) {
        DirectoryInode parent = inodes.directory(parentId);
        Inode node = createNode(ctx, parentId, name,
                new NodeSpec(FileType.DIRECTORY, mode & 01777, ctx.umask() & 0777, 2), (id, init) -> new DirectoryInode(id, config, init, parent));
        return node.entry();
    }

    /** FUSE_SYMLINK: mode 0777, never masked. */
    Entry symlink(Context ctx, long parentId, FileName name, SymlinkTarget target) {
        if (target.length() > SymlinkTarget.MAX_LENGTH) {
            throw new ErrnoException(Errno.ENAMETOOLONG, "symlink target of " + target.length() + " bytes");
        }
        Inode node = createNode(ctx, parentId, name, new NodeSpec(FileType.SYMLINK, 0777, 0, 1),
                (id, init) -> new SymlinkInode(id, config, init, target));
        return node.entry();
    }

    /** FUSE_CREATE's creating half: a new regular file (the caller opens it). */
    FileInode createFile(Context ctx, long parentId, FileName name, int mode) {
        return (FileInode) createNode(ctx, parentId, name,
                new NodeSpec(FileType.REGULAR, mode & 07777, ctx.umask() & 0777, 1), (id, init) -> new FileInode(id, config, init, capacity, false));
    }

    /**
     * FUSE_TMPFILE's creating half: a regular file with no name (link count 0), which linkat can
     * name unless it was made with O_EXCL. Needs write and search permission on the directory.
     */
    FileInode tmpfile(Context ctx, long parentId, int mode, boolean linkable) {
        DirectoryInode parent = inodes.directory(parentId);
        permissions.check(ctx, parent, AccessMask.W_OK | AccessMask.X_OK);
        Lock read = parent.readLock();
        read.lock();
        try {
            if (parent.isRemoved()) {
                throw new ErrnoException(Errno.ENOENT, "directory " + parentId + " was removed");
            }
            InodeInit init = Ownership.forNewNode(ctx, parent.attr(),
                    new NodeSpec(FileType.REGULAR, mode & 07777, ctx.umask() & 0777, 0), now());
            FileInode file = inodes.create(id -> new FileInode(id, config, init, capacity, linkable));
            storeSecurityLabels(ctx, file);
            return file;
        } finally {
            read.unlock();
        }
    }

    /** FUSE_LINK: a new name for a non-directory; needs write and search permission on the directory. */
    Entry link(Context ctx, long nodeid, long newParentId, FileName newName) {
        if (newName.isDotOrDotDot()) {
            throw new ErrnoException(Errno.EEXIST, "cannot link to " + newName);
        }
        Inode inode = inodes.get(nodeid);
        if (inode instanceof DirectoryInode) {
            throw new ErrnoException(Errno.EPERM, "hard links to directories are not allowed");
        }
        DirectoryInode parent = inodes.directory(newParentId);
        permissions.check(ctx, parent, AccessMask.X_OK);
        Lock write = parent.writeLock();
        write.lock();
        try {
            checkCanAdd(ctx, parent, newName);
            Instant now = now();
            inode.lockMeta();
            try {
                boolean tmpfile = inode instanceof FileInode file && file.linkableLocked();
                if (inode.nlinkLocked() == 0 && !tmpfile) {
                    throw new ErrnoException(Errno.ENOENT, inode + " has been unlinked");
                }
                if (inode.nlinkLocked() >= Inode.MAX_LINKS) {
                    throw new ErrnoException(Errno.EMLINK, inode + " has " + Inode.MAX_LINKS + " links");
                }
                if (inode instanceof FileInode file) {
                    file.clearLinkableLocked();
                }
                inode.setNlinkLocked(inode.nlinkLocked() + 1);
                inode.setCtimeLocked(now);
                inode.addLookupLocked();
                inode.publishLocked();
            } finally {
                inode.unlockMeta();
            }
            parent.insertLocked(newName, inode);
            parent.modified(now);
        } finally {
            write.unlock();
        }
        return inode.entry();
    }

    /** FUSE_UNLINK: removes a name of a non-directory; the node lives on while open or remembered. */
    void unlink(Context ctx, long parentId, FileName name) {
        if (name.isDotOrDotDot()) {
            throw new ErrnoException(Errno.EISDIR, "cannot unlink " + name);
        }
        DirectoryInode parent = inodes.directory(parentId);
        permissions.check(ctx, parent, AccessMask.X_OK);
        Inode victim;
        Lock write = parent.writeLock();
        write.lock();
        try {
            victim = removable(ctx, parent, name);
            if (victim instanceof DirectoryInode) {
                throw new ErrnoException(Errno.EISDIR, name + " is a directory");
            }
            Instant now = now();
            parent.removeLocked(name);
            dropLink(victim, now);
            parent.modified(now);
        } finally {
            write.unlock();
        }
        inodes.evictIfUnreachable(victim);
    }

    /** FUSE_RMDIR: removes an empty directory. */
    void rmdir(Context ctx, long parentId, FileName name) {
        if (name == FileName.DOT) {
            throw new ErrnoException(Errno.EINVAL, "cannot remove \".\"");
        }
        if (name == FileName.DOT_DOT) {
            throw new ErrnoException(Errno.ENOTEMPTY, "cannot remove \"..\"");
        }
        DirectoryInode parent = inodes.directory(parentId);
        permissions.check(ctx, parent, AccessMask.X_OK);
        DirectoryInode victim;
        Lock write = parent.writeLock();
        write.lock();
        try {
            if (!(removable(ctx, parent, name) instanceof DirectoryInode dir)) {
                throw new ErrnoException(Errno.ENOTDIR, name + " is not a directory");
            }
            victim = dir;
            Instant now = now();
            markRemovedIfEmpty(victim, now);
            parent.removeLocked(name);
            parent.lockMeta();
            try {
                parent.setNlinkLocked(parent.nlinkLocked() - 1);
                parent.setMtimeLocked(now);
                parent.setCtimeLocked(now);
                parent.publishLocked();
            } finally {
                parent.unlockMeta();
            }
        } finally {
            write.unlock();
        }
        inodes.evictIfUnreachable(victim);
    }

    // ------------------------------------------------------------------ shared with Rename

    /**
     * Marks an empty directory removed and drops its links to 0; {@code ENOTEMPTY} otherwise.
     * Locks the directory's entries, so its parent's must be held (parent before child).
     */
    static void markRemovedIfEmpty(DirectoryInode dir, Instant now) {
        Lock write = dir.writeLock();
        write.lock();
        try {
            if (!dir.isEmptyLocked()) {
                throw new ErrnoException(Errno.ENOTEMPTY, "directory " + dir.id() + " is not empty");
            }
            dir.markRemovedLocked();
        } finally {
            write.unlock();
        }
        dir.lockMeta();
        try {
            dir.setNlinkLocked(0);
            dir.setCtimeLocked(now);
            dir.publishLocked();
        } finally {
            dir.unlockMeta();
        }
    }

    /** One name of a non-directory went away: nlink - 1, ctime = now. */
    static void dropLink(Inode inode, Instant now) {
        inode.lockMeta();
        try {
            inode.setNlinkLocked(inode.nlinkLocked() - 1);
            inode.setCtimeLocked(now);
            inode.publishLocked();
        } finally {
            inode.unlockMeta();
        }
    }

    // ------------------------------------------------------------------ internals

    /** Builds an inode once its id and starting metadata are known. */
    @FunctionalInterface
    private interface InodeFactory {
        Inode create(long id, InodeInit init);
    }

    /**
     * Creates a node named {@code name} in {@code parentId}: needs write and search permission on
     * the directory; {@code EEXIST} if the name is taken; the directory's mtime and ctime become
     * the node's birth time.
     */
    private Inode createNode(Context ctx, long parentId, FileName name, NodeSpec spec, InodeFactory factory) {
        if (name.isDotOrDotDot()) {
            throw new ErrnoException(Errno.EEXIST, name + " exists");
        }
        DirectoryInode parent = inodes.directory(parentId);
        permissions.check(ctx, parent, AccessMask.X_OK);
        Lock write = parent.writeLock();
        write.lock();
        try {
            checkCanAdd(ctx, parent, name);
            boolean directory = spec.type() == FileType.DIRECTORY;
            if (directory && parent.attr().nlink() >= Inode.MAX_LINKS) {
                throw new ErrnoException(Errno.EMLINK, "directory " + parentId + " has too many subdirectories");
            }
            Instant now = now();
            InodeInit init = Ownership.forNewNode(ctx, parent.attr(), spec, now);
            Inode child = inodes.create(id -> factory.create(id, init));
            storeSecurityLabels(ctx, child);
            parent.insertLocked(name, child);
            parent.lockMeta();
            try {
                if (directory) {
                    parent.setNlinkLocked(parent.nlinkLocked() + 1);
                }
                parent.setMtimeLocked(now);
                parent.setCtimeLocked(now);
                parent.publishLocked();
            } finally {
                parent.unlockMeta();
            }
            return child;
        } finally {
            write.unlock();
        }
    }

    /**
     * Whether a name may be added, checked in the order of Linux's {@code may_create}:
     * {@code EEXIST} if it is taken, {@code ENOENT} if the directory was removed, {@code EACCES}
     * without write and search permission. The caller holds the directory's write lock.
     */
    private void checkCanAdd(Context ctx, DirectoryInode parent, FileName name) {
        if (parent.findLocked(name) != null) {
            throw new ErrnoException(Errno.EEXIST, name + " exists in directory " + parent.id());
        }
        if (parent.isRemoved()) {
            throw new ErrnoException(Errno.ENOENT, "directory " + parent.id() + " was removed");
        }
        permissions.check(ctx, parent, AccessMask.W_OK | AccessMask.X_OK);
    }

    /**
     * The node a name removal would remove, checked in the order of Linux's {@code may_delete}:
     * {@code ENOENT} if absent, {@code EACCES} without write and search permission on the
     * directory, {@code EPERM} by the sticky-directory rule. The caller checks the type.
     */
    private Inode removable(Context ctx, DirectoryInode parent, FileName name) {
        Inode inode = parent.findLocked(name);
        if (inode == null) {
            throw new ErrnoException(Errno.ENOENT, name + " not found in directory " + parent.id());
        }
        permissions.check(ctx, parent, AccessMask.W_OK | AccessMask.X_OK);
        permissions.checkSticky(ctx, parent, inode);
        return inode;
    }

    /**
     * Keeps the security labels the driver sent with a create as xattrs ({@code security.selinux}
     * and the like). A label that does not fit the xattr limits is dropped: the node exists
     * already and the create must not fail now.
     */
    private static void storeSecurityLabels(Context ctx, Inode inode) {
        if (ctx.securityLabels().isEmpty()) {
            return;
        }
        inode.lockMeta();
        try {
            for (SecurityLabel label : ctx.securityLabels()) {
                try {
                    inode.xattrsLocked().set(label.name(), label.value(), XattrFlags.NONE);
                } catch (ErrnoException tooLarge) {
                    // dropped, as documented
                }
            }
        } finally {
            inode.unlockMeta();
        }
    }

    private Instant now() {
        return config.clock().instant();
    }
}
