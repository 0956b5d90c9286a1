package io.virtiofs.examples.memfs;

import io.virtiofs.api.Attr;
import io.virtiofs.api.Context;
import io.virtiofs.api.FileType;
import java.time.Instant;

/**
 * Who owns a new node and which special bits it keeps, and when the set-user-ID and
 * set-group-ID bits are cleared: the rules of {@code inode_init_owner}, {@code mode_strip_sgid}
 * and {@code setattr_should_drop_suidgid} in Linux ({@code fs/inode.c}, {@code fs/attr.c}).
 */
final class Ownership {

    private Ownership() {
    }

    /**
     * The metadata of a node created by {@code ctx} in a directory with attributes {@code parent}.
     *
     * <ul>
     * <li>the umask removes permission bits ({@link Context#umask()} is 0 when the driver already
     *     applied it);
     * <li>the owner is the caller; the group is the caller's, except in a set-group-ID directory,
     *     whose group the node takes; a directory made there inherits the set-group-ID bit;
     * <li>a non-directory made there keeps set-group-ID (with group execute) only if the caller
     *     is in that group or is root; a driver that checked permissions already cleared the bit
     *     when it had to (Linux's {@code mode_strip_sgid}, knowing every group of the caller), so
     *     its requests keep what they ask for.
     * </ul>
     *
     */
    static InodeInit forNewNode(Context ctx, Attr parent, NodeSpec spec, Instant now) {
        FileType type = spec.type();
        int bits = spec.permissions() & ~spec.umask();
        int gid = ctx.gid();
        if ((parent.mode() & Inode.S_ISGID) != 0) {
            gid = parent.gid();
            if (type == FileType.DIRECTORY) {
                bits |= Inode.S_ISGID;
            }
        }
        if (type != FileType.DIRECTORY && (bits & (Inode.S_ISGID | Inode.S_IXGRP)) == (Inode.S_ISGID | Inode.S_IXGRP)
                && ctx.uid() != 0 && !ctx.permissionsCheckedByDriver() && !ctx.isInGroup(gid)) {
            bits &= ~Inode.S_ISGID;
        }
        return new InodeInit(ctx.uid(), gid, bits, spec.nlink(), 1, now);
    }

    /**
     * The bits left after "killing privileges": set-user-ID goes; set-group-ID goes when group
     * execute is set (without it, the bit marks mandatory locking and stays).
     */
    static int withoutPrivileges(int permissions) {
        int bits = permissions & ~Inode.S_ISUID;
        if ((bits & Inode.S_IXGRP) != 0) {
            bits &= ~Inode.S_ISGID;
        }
        return bits;
    }

    /**
     * Whether a write or truncate by {@code ctx} clears the privileges of a regular file: for any
     * caller but root, or when the driver asks with a kill-suidgid flag.
     */
    static boolean writeKillsPrivileges(Context ctx, boolean killFlag) {
        return killFlag || ctx.uid() != 0;
    }
}
