package io.virtiofs.examples.memfs;

import io.virtiofs.api.AccessMask;
import io.virtiofs.api.AttrReply;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileType;
import io.virtiofs.api.SetattrRequest;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.concurrent.locks.Lock;
import org.jspecify.annotations.Nullable;

/**
 * FUSE_SETATTR: chmod, chown, truncate and utimes, with the rules of Linux's
 * {@code setattr_prepare} and {@code notify_change} ({@code fs/attr.c}). Every check is made
 * before anything changes; the changes are then applied together under the node's locks, with
 * one ctime.
 *
 * <ul>
 * <li>chmod: owner or root ({@code EPERM}); a caller neither root nor in the file's (new) group
 *     loses the set-group-ID bit it asked for;
 * <li>chown: changing the owner needs root; the owner may change the group to one of its own
 *     groups ({@code EPERM} otherwise); a non-directory loses set-user-ID, and set-group-ID with
 *     group execute, even when root chowns it;
 * <li>truncate: regular files only ({@code EISDIR}, {@code EINVAL}); write permission unless it
 *     comes through an open handle; {@code EFBIG} past the largest size; mtime and ctime change;
 *     a caller other than root kills the privileges;
 * <li>utimes: explicit times need the owner or root ({@code EPERM}); "now" needs the owner, root
 *     or write permission ({@code EACCES});
 * <li>{@code FATTR_KILL_SUIDGID} (HANDLE_KILLPRIV_V2): kills the privileges of a non-directory.
 * </ul>
 */
final class AttributeChange {

    /** The request bits that change something, and so the ctime. */
    private static final int CHANGES_CTIME = SetattrRequest.FATTR_MODE | SetattrRequest.FATTR_UID
            | SetattrRequest.FATTR_GID | SetattrRequest.FATTR_SIZE | SetattrRequest.FATTR_ATIME
            | SetattrRequest.FATTR_MTIME | SetattrRequest.FATTR_CTIME | SetattrRequest.FATTR_KILL_SUIDGID;

    private final InodeTable inodes;
    private final Permissions permissions;
    private final MemFsConfig config;

    AttributeChange(InodeTable inodes, Permissions permissions, MemFsConfig config) {
        this.inodes = inodes;
        this.permissions = permissions;
        this.config = config;
    }

    /** Applies {@code request} to node {@code nodeid} and answers the new attributes. */
    AttrReply setattr(Context ctx, long nodeid, SetattrRequest request) {
        Inode inode = inodes.get(nodeid);
        FileData data = request.hasSize() ? truncatable(inode, request.size()) : null;
        Lock dataLock = data == null ? null : data.writeLock();
        if (dataLock != null) {
            dataLock.lock();
        }
        try {
            inode.lockMeta();
            try {
                check(ctx, inode, request);
                apply(ctx, inode, data, request);
                inode.publishLocked();
                return inode.attrReply();
            } finally {
                inode.unlockMeta();
            }
        } finally {
            if (dataLock != null) {
                dataLock.unlock();
            }
        }
    }

    /** The data of a node that may be truncated to {@code size}. */
    private FileData truncatable(Inode inode, long size) {
        if (inode instanceof DirectoryInode) {
            throw new ErrnoException(Errno.EISDIR, "cannot truncate a directory");
        }
        if (!(inode instanceof FileInode file)) {
            throw new ErrnoException(Errno.EINVAL, "cannot truncate a " + inode.type());
        }
        if (size < 0) {
            throw new ErrnoException(Errno.EINVAL, "size " + size + " is negative");
        }
        if (size > config.maxFileSize()) {
            throw new ErrnoException(Errno.EFBIG, "size " + size + " exceeds the largest file size " + config.maxFileSize());
        }
        return file.data();
    }

    /** Every permission check of the request; the metadata lock is held. */
    private void check(Context ctx, Inode inode, SetattrRequest request) {
        if (!permissions.enforced(ctx)) {
            return;
        }
        boolean root = ctx.uid() == 0;
        boolean owner = root || ctx.uid() == inode.uidLocked();
        if (request.hasMode() && !owner) {
            throw new ErrnoException(Errno.EPERM, "only the owner or root may chmod " + inode);
        }
        if (request.hasUid() && !root && !(ctx.uid() == inode.uidLocked() && request.uid() == inode.uidLocked())) {
            throw new ErrnoException(Errno.EPERM, "only root may change the owner of " + inode);
        }
        if (request.hasGid() && !root
                && !(ctx.uid() == inode.uidLocked() && (ctx.isInGroup(request.gid()) || request.gid() == inode.gidLocked()))) {
            throw new ErrnoException(Errno.EPERM, "uid " + ctx.uid() + " may not change the group of " + inode
                    + " to " + request.gid());
        }
        if (request.hasSize() && !request.hasFh()) {
            permissions.check(ctx, inode, AccessMask.W_OK);
        }
        boolean explicitTime = (request.hasAtime() && !request.atimeNow()) || (request.hasMtime() && !request.mtimeNow());
        if (explicitTime && !owner) {
            throw new ErrnoException(Errno.EPERM, "only the owner or root may set the times of " + inode);
        }
        if ((request.hasAtime() || request.hasMtime()) && !owner) {
            permissions.check(ctx, inode, AccessMask.W_OK);
        }
    }

    /** Applies the checked request; the metadata lock (and the data lock for a truncate) is held. */
    private void apply(Context ctx, Inode inode, @Nullable FileData data, SetattrRequest request) {
        Instant now = config.clock().instant();
        boolean directory = inode.type() == FileType.DIRECTORY;
        int bits = inode.permissionsLocked();
        if (data != null) {
            data.truncateLocked(request.size());
            inode.setMtimeLocked(now);
            if (inode.type() == FileType.REGULAR && Ownership.writeKillsPrivileges(ctx, false)) {
                bits = Ownership.withoutPrivileges(bits);
            }
        }
        int newGid = request.hasGid() ? request.gid() : inode.gidLocked();
        if (request.hasMode()) {
            bits = request.mode() & 07777;
            if (permissions.enforced(ctx) && ctx.uid() != 0 && !ctx.isInGroup(newGid)) {
                bits &= ~Inode.S_ISGID;
            }
        }
        if (request.hasUid() || request.hasGid()) {
            inode.setOwnerLocked(request.hasUid() ? request.uid() : inode.uidLocked(), newGid);
            if (!directory) {
                bits = Ownership.withoutPrivileges(bits);
            }
        }
        if (request.killSuidgid() && !directory) {
            bits = Ownership.withoutPrivileges(bits);
        }
        inode.setPermissionsLocked(bits);
        if (request.hasAtime()) {
            inode.setAtimeLocked(request.atimeNow() ? now : instant(request.atime(), request.atimeNsec()));
        }
        if (request.hasMtime()) {
            inode.setMtimeLocked(request.mtimeNow() ? now : instant(request.mtime(), request.mtimeNsec()));
        }
        if ((request.valid() & CHANGES_CTIME) != 0) {
            inode.setCtimeLocked(request.hasCtime() ? instant(request.ctime(), request.ctimeNsec()) : now);
        }
    }

    /** A time from the request; {@code EINVAL} when it is beyond what an {@link Instant} holds. */
    private static Instant instant(long seconds, int nanos) {
        try {
            return Instant.ofEpochSecond(seconds, nanos);
        } catch (DateTimeException | ArithmeticException e) {
            throw new ErrnoException(Errno.EINVAL, "time " + seconds + "." + nanos + " is out of range");
        }
    }
}
