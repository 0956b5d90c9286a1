package io.virtiofs.examples.memfs;

import io.virtiofs.api.AccessMask;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.RenameFlags;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * FUSE_RENAME and FUSE_RENAME2: {@code renameat2(2)} with RENAME_NOREPLACE and RENAME_EXCHANGE
 * (RENAME_WHITEOUT is {@code EINVAL}), checked in the order of Linux's {@code do_renameat2} and
 * {@code vfs_rename}:
 * <ol>
 * <li>flags: unknown bits, EXCHANGE with another flag, WHITEOUT: {@code EINVAL};
 * "." or ".." as either name: {@code EBUSY};
 * <li>search permission on both directories ({@code EACCES});
 * <li>the source must exist ({@code ENOENT}); with NOREPLACE the target must not ({@code EEXIST});
 * with EXCHANGE it must ({@code ENOENT});
 * <li>a directory cannot move into itself or its own subtree ({@code EINVAL}); the target cannot be
 * an ancestor of the source ({@code ENOTEMPTY}, or {@code EINVAL} for EXCHANGE);
 * <li>two names of the same node: nothing happens, successfully;
 * <li>write permission on both directories ({@code EACCES}); sticky directories ({@code EPERM});
 * directory over non-directory {@code ENOTDIR}, the reverse {@code EISDIR}; a directory moving to another parent needs write permission on itself (its
 * ".." changes, {@code EACCES}); the replaced directory must be empty ({@code ENOTEMPTY}).
 * </ol>
 * Times: both directories get mtime and ctime, the moved nodes ctime; a replaced node loses a
 * link (a replaced directory all of them) and is freed when nothing else holds it.
 *
 * <p><b>Locks.</b> A rename within one directory locks that directory. A rename across
 * directories first takes {@link #crossDirectoryMutex} (as Linux's {@code s_vfs_rename_mutex}):
 * only such renames change which directory contains which, so under it the ancestry checks are
 * stable and the two directories can be locked ancestor first (by nodeid when unrelated) without
 * deadlock. A replaced directory is locked last, after the trap checks prove it is not an
 * ancestor of the source directory.
 */
final class Rename {

    private final InodeTable inodes;
    private final Permissions permissions;
    private final MemFsConfig config;
    private final ReentrantLock crossDirectoryMutex = new ReentrantLock();

    Rename(InodeTable inodes, Permissions permissions, MemFsConfig config) {
        this.inodes = inodes;
        this.permissions = permissions;
        this.config = config;
    }

    /** Renames {@code oldName} in {@code oldParentId} to {@code newName} in {@code newParentId}. */
    void rename(Context ctx, long oldParentId, FileName oldName, long newParentId, FileName newName, RenameFlags flags) {
        checkFlags(flags);
        if (oldName.isDotOrDotDot() || newName.isDotOrDotDot()) {
            throw new ErrnoException(Errno.EBUSY, "cannot rename \".\" or \"..\"");
        }
        DirectoryInode from = inodes.directory(oldParentId);
        DirectoryInode to = inodes.directory(newParentId);
        permissions.check(ctx, from, AccessMask.X_OK);
        permissions.check(ctx, to, AccessMask.X_OK);
        Inode replaced;
        if (from == to) {
            from.writeLock().lock();
            try {
                replaced = renameLocked(ctx, new Names(from, oldName, to, newName), flags);
            } finally {
                from.writeLock().unlock();
            }
        } else {
            crossDirectoryMutex.lock();
            try {
                DirectoryInode first = lockedFirst(from, to);
                DirectoryInode second = first == from ? to : from;
                first.writeLock().lock();
                try {
                    second.writeLock().lock();
                    try {
                        replaced = renameLocked(ctx, new Names(from, oldName, to, newName), flags);
                    } finally {
                        second.writeLock().unlock();
                    }
                } finally {
                    first.writeLock().unlock();
                }
            } finally {
                crossDirectoryMutex.unlock();
            }
        }
        if (replaced != null) {
            inodes.evictIfUnreachable(replaced);
        }
    }

    /** The two names of a rename. */
    private record Names(DirectoryInode from, FileName oldName, DirectoryInode to, FileName newName) {

        boolean crossDirectory() {
            return from != to;
        }
    }

    private static void checkFlags(RenameFlags flags) {
        if (flags.hasUnknownBits()) {
            throw new ErrnoException(Errno.EINVAL, "unknown rename flags 0x" + Integer.toHexString(flags.value()));
        }
        if (flags.exchange() && (flags.noReplace() || flags.whiteout())) {
            throw new ErrnoException(Errno.EINVAL, "RENAME_EXCHANGE excludes the other flags");
        }
        if (flags.whiteout()) {
            throw new ErrnoException(Errno.EINVAL, "RENAME_WHITEOUT is not supported by memfs");
        }
    }

    /**
     * The rename with both directories locked.
     *
     * @return the node that lost its name to the rename, to evict once the locks are released
     */
    private @Nullable Inode renameLocked(Context ctx, Names names, RenameFlags flags) {
        DirectoryInode from = names.from();
        DirectoryInode to = names.to();
        if (from.isRemoved() || to.isRemoved()) {
            throw new ErrnoException(Errno.ENOENT, "a directory of the rename was removed");
        }
        Inode source = from.findLocked(names.oldName());
        if (source == null) {
            throw new ErrnoException(Errno.ENOENT, names.oldName() + " not found in directory " + from.id());
        }
        Inode target = to.findLocked(names.newName());
        if (target != null && flags.noReplace()) {
            throw new ErrnoException(Errno.EEXIST, names.newName() + " exists (RENAME_NOREPLACE)");
        }
        if (target == null && flags.exchange()) {
            throw new ErrnoException(Errno.ENOENT, names.newName() + " not found (RENAME_EXCHANGE)");
        }
        if (names.crossDirectory()) {
            if (source instanceof DirectoryInode dir && isAncestorOrSelf(dir, to)) {
                throw new ErrnoException(Errno.EINVAL, "cannot move directory " + dir.id() + " into its own subtree");
            }
            if (target instanceof DirectoryInode dir && isAncestorOrSelf(dir, from)) {
                throw new ErrnoException(flags.exchange() ? Errno.EINVAL : Errno.ENOTEMPTY,
                        "the target directory " + dir.id() + " contains the source");
            }
        }
        if (source == target) {
            return null;
        }
        checkReplace(ctx, names, source, target, flags);
        Instant now = config.clock().instant();
        if (target != null && flags.exchange()) {
            exchange(names, source, target, now);
            return null;
        }
        return move(names, source, target, now);
    }

    /**
     * As {@code vfs_rename}: write and search permission on both directories, sticky directories,
     * type agreement, and write permission on directories that change parent.
     */
    private void checkReplace(Context ctx, Names names, Inode source, @Nullable Inode target, RenameFlags flags) {
        permissions.check(ctx, names.from(), AccessMask.W_OK | AccessMask.X_OK);
        permissions.check(ctx, names.to(), AccessMask.W_OK | AccessMask.X_OK);
        permissions.checkSticky(ctx, names.from(), source);
        boolean sourceIsDir = source instanceof DirectoryInode;
        if (target != null) {
            permissions.checkSticky(ctx, names.to(), target);
            boolean targetIsDir = target instanceof DirectoryInode;
            if (!flags.exchange() && sourceIsDir && !targetIsDir) {
                throw new ErrnoException(Errno.ENOTDIR, names.newName() + " is not a directory");
            }
            if (!flags.exchange() && !sourceIsDir && targetIsDir) {
                throw new ErrnoException(Errno.EISDIR, names.newName() + " is a directory");
            }
            if (flags.exchange() && targetIsDir && names.crossDirectory()) {
                permissions.check(ctx, target, AccessMask.W_OK);
            }
        }
        if (sourceIsDir && names.crossDirectory()) {
            permissions.check(ctx, source, AccessMask.W_OK);
        }
    }

    /** Moves {@code source} to the new name, replacing {@code target} if present. */
    private @Nullable Inode move(Names names, Inode source, @Nullable Inode target, Instant now) {
        DirectoryInode from = names.from();
        DirectoryInode to = names.to();
        boolean movesDirectory = source instanceof DirectoryInode && names.crossDirectory();
        if (movesDirectory && !(target instanceof DirectoryInode) && to.attr().nlink() >= Inode.MAX_LINKS) {
            throw new ErrnoException(Errno.EMLINK, "directory " + to.id() + " has too many subdirectories");
        }
        if (target instanceof DirectoryInode dir) {
            // The last check: from here on nothing fails.
            Namespace.markRemovedIfEmpty(dir, now);
        }
        if (target != null) {
            to.removeLocked(names.newName());
            if (!(target instanceof DirectoryInode)) {
                Namespace.dropLink(target, now);
            }
        }
        from.removeLocked(names.oldName());
        to.insertLocked(names.newName(), source);
        if (source instanceof DirectoryInode dir && names.crossDirectory()) {
            dir.setParent(to);
        }
        int subdirsGained = (movesDirectory ? 1 : 0) - (target instanceof DirectoryInode ? 1 : 0);
        touchDirectory(to, subdirsGained, now);
        if (names.crossDirectory()) {
            touchDirectory(from, movesDirectory ? -1 : 0, now);
        }
        source.changed(now);
        return target;
    }

    /** Swaps the nodes of two existing names; the names keep their readdir offsets. */
    private void exchange(Names names, Inode source, Inode target, Instant now) {
        DirectoryInode from = names.from();
        DirectoryInode to = names.to();
        int sourceDir = source instanceof DirectoryInode ? 1 : 0;
        int targetDir = target instanceof DirectoryInode ? 1 : 0;
        int toGains = names.crossDirectory() ? sourceDir - targetDir : 0;
        if ((toGains > 0 && to.attr().nlink() >= Inode.MAX_LINKS)
                || (toGains < 0 && from.attr().nlink() >= Inode.MAX_LINKS)) {
            throw new ErrnoException(Errno.EMLINK, "a directory has too many subdirectories");
        }
        from.replaceLocked(names.oldName(), target);
        to.replaceLocked(names.newName(), source);
        if (names.crossDirectory()) {
            if (source instanceof DirectoryInode dir) {
                dir.setParent(to);
            }
            if (target instanceof DirectoryInode dir) {
                dir.setParent(from);
            }
        }
        touchDirectory(to, toGains, now);
        if (names.crossDirectory()) {
            touchDirectory(from, -toGains, now);
        }
        source.changed(now);
        target.changed(now);
    }

    /** A directory's names changed: mtime and ctime, and its link count by the subdirectories gained. */
    private static void touchDirectory(DirectoryInode dir, int subdirsGained, Instant now) {
        dir.lockMeta();
        try {
            dir.setNlinkLocked(dir.nlinkLocked() + subdirsGained);
            dir.setMtimeLocked(now);
            dir.setCtimeLocked(now);
            dir.publishLocked();
        } finally {
            dir.unlockMeta();
        }
    }

    /** The directory to lock first: an ancestor before its descendant, else the lower nodeid. */
    private static DirectoryInode lockedFirst(DirectoryInode a, DirectoryInode b) {
        if (isAncestorOrSelf(a, b)) {
            return a;
        }
        if (isAncestorOrSelf(b, a)) {
            return b;
        }
        return a.id() < b.id() ? a : b;
    }

    /**
     * Whether {@code ancestor} is {@code dir} or contains it. Stable only under the cross-directory
     * mutex (nothing else changes parents).
     */
    private static boolean isAncestorOrSelf(DirectoryInode ancestor, DirectoryInode dir) {
        DirectoryInode current = dir;
        while (true) {
            if (current == ancestor) {
                return true;
            }
            if (current.isRoot()) {
                return false;
            }
            current = current.parent();
        }
    }
}
