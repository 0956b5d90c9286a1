package io.virtiofs.examples.memfs;

import io.virtiofs.api.AccessMask;
import io.virtiofs.api.Attr;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileType;

/**
 * The permission checks of POSIX as Linux makes them ({@code generic_permission},
 * {@code check_sticky}, {@code inode_owner_or_capable} in {@code fs/namei.c} and
 * {@code fs/inode.c}), against a node's latest published attributes.
 *
 * <p>The caller's class is owner if its uid owns the node, else group if the node's group is its
 * group or one of its supplementary groups, else other; only that class's bits count. Root (uid 0)
 * has what {@code CAP_DAC_OVERRIDE} and {@code CAP_FOWNER} give: read and write always, execute
 * when the node is a directory or someone may execute it, and the owner's rights everywhere.
 *
 * <p>Checks are made only where they are {@linkplain #enforced enforced}: with
 * {@link MemFsConfig#checkPermissions()}, for requests whose driver has not checked them
 * ({@link Context#permissionsCheckedByDriver()}). A driver that checked did so knowing every
 * supplementary group of the caller, which a request does not carry: checking again here could
 * only refuse what the driver rightly allowed (a chgrp to a supplementary group, set-group-ID
 * kept by a member of the file's group). Elsewhere every check passes.
 */
final class Permissions {

    private final boolean enabled;

    Permissions(boolean enabled) {
        this.enabled = enabled;
    }

    /** Whether checks are made at all (some requests may still be exempt: {@link #enforced}). */
    boolean enabled() {
        return enabled;
    }

    /** Whether memfs checks {@code ctx}'s request itself: enabled, and the driver did not check it. */
    boolean enforced(Context ctx) {
        return enabled && !ctx.permissionsCheckedByDriver();
    }

    /**
     * Checks that the caller has every right in {@code mask} ({@link AccessMask#R_OK},
     * {@link AccessMask#W_OK}, {@link AccessMask#X_OK}) on {@code inode}.
     *
     * @throws ErrnoException {@code EACCES} when a right is missing
     */
    void check(Context ctx, Inode inode, int mask) {
        if (mask != 0 && enforced(ctx) && !allows(ctx, inode.attr(), mask)) {
            throw new ErrnoException(Errno.EACCES, "uid " + ctx.uid() + " lacks " + describe(mask) + " on " + inode);
        }
    }

    /** Whether the caller has every right in {@code mask} on a node with {@code attr} (checks or not). */
    static boolean allows(Context ctx, Attr attr, int mask) {
        int mode = attr.mode();
        if (ctx.uid() == 0) {
            boolean executable = FileType.DIRECTORY.matches(mode) || (mode & 0111) != 0;
            return (mask & AccessMask.X_OK) == 0 || executable;
        }
        int granted;
        if (ctx.uid() == attr.uid()) {
            granted = (mode >> 6) & 7;
        } else if (ctx.isInGroup(attr.gid())) {
            granted = (mode >> 3) & 7;
        } else {
            granted = mode & 7;
        }
        return (mask & ~granted) == 0;
    }

    /** Whether the caller owns {@code inode} or is root. */
    boolean isOwnerOrRoot(Context ctx, Inode inode) {
        return !enforced(ctx) || ctx.uid() == 0 || ctx.uid() == inode.attr().uid();
    }

    /**
     * Checks that the caller owns {@code inode} or is root.
     *
     * @throws ErrnoException {@code EPERM} otherwise
     */
    void checkOwner(Context ctx, Inode inode) {
        if (!isOwnerOrRoot(ctx, inode)) {
            throw new ErrnoException(Errno.EPERM, "uid " + ctx.uid() + " does not own " + inode);
        }
    }

    /**
     * The sticky-directory rule: in a directory with {@code S_ISVTX}, a name may be removed or
     * replaced only by the owner of the node it names, the owner of the directory, or root.
     *
     * @throws ErrnoException {@code EPERM} otherwise
     */
    void checkSticky(Context ctx, DirectoryInode dir, Inode victim) {
        if (!enforced(ctx) || ctx.uid() == 0) {
            return;
        }
        Attr dirAttr = dir.attr();
        if ((dirAttr.mode() & Inode.S_ISVTX) == 0) {
            return;
        }
        if (ctx.uid() != dirAttr.uid() && ctx.uid() != victim.attr().uid()) {
            throw new ErrnoException(Errno.EPERM, "uid " + ctx.uid() + " may not remove " + victim
                    + " from sticky directory " + dir.id());
        }
    }

    private static String describe(int mask) {
        return ((mask & AccessMask.R_OK) != 0 ? "r" : "") + ((mask & AccessMask.W_OK) != 0 ? "w" : "")
                + ((mask & AccessMask.X_OK) != 0 ? "x" : "");
    }
}
