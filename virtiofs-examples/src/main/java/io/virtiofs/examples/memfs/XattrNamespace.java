package io.virtiofs.examples.memfs;

import io.virtiofs.api.AccessMask;
import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileType;
import io.virtiofs.api.XattrName;

/**
 * The namespaces of extended attribute names and who may use them, as Linux decides in
 * {@code fs/xattr.c} ({@code xattr_permission}) and the capability checks of
 * {@code security/commoncap.c}:
 * <ul>
 * <li>{@code user.*}: on regular files and directories only; reading needs read permission,
 *     writing needs write permission; in a sticky directory only the owner may write them;
 * <li>{@code trusted.*}: root only; hidden from others' lists;
 * <li>{@code security.*}: anyone may read, root may write;
 * <li>{@code system.*}: POSIX ACLs and the like, not stored by memfs: {@code EOPNOTSUPP}.
 * </ul>
 * Any other prefix is {@code EOPNOTSUPP}; a bare prefix ({@code "user."}) is {@code EINVAL}.
 */
enum XattrNamespace {
    USER("user."),
    TRUSTED("trusted."),
    SECURITY("security."),
    SYSTEM("system.");

    private final String prefix;

    XattrNamespace(String prefix) {
        this.prefix = prefix;
    }

    /**
     * The namespace of {@code name}.
     *
     * @throws ErrnoException {@code ERANGE} for an empty name or one over {@value Xattrs#NAME_MAX}
     *     bytes, {@code EINVAL} for a bare prefix, {@code EOPNOTSUPP} for unknown prefixes and
     *     {@code system.*}
     */
    static XattrNamespace of(XattrName name) {
        int bytes = name.length();
        if (bytes > Xattrs.NAME_MAX) {
            throw new ErrnoException(Errno.ERANGE, "xattr name of " + bytes + " bytes is not in 1.." + Xattrs.NAME_MAX);
        }
        for (XattrNamespace namespace : values()) {
            if (name.hasPrefix(namespace.prefix)) {
                if (bytes == namespace.prefix.length()) {
                    throw new ErrnoException(Errno.EINVAL, "xattr name " + name + " is only a prefix");
                }
                if (namespace == SYSTEM) {
                    throw new ErrnoException(Errno.EOPNOTSUPP, "memfs stores no system.* xattrs (no POSIX ACLs)");
                }
                return namespace;
            }
        }
        throw new ErrnoException(Errno.EOPNOTSUPP, "xattr name " + name + " has no known namespace");
    }

    /**
     * Checks that the caller may set or remove an attribute of this namespace on {@code inode}.
     *
     * @throws ErrnoException {@code EPERM} or {@code EACCES}
     */
    void checkWrite(Context ctx, Inode inode, Permissions permissions) {
        switch (this) {
            case USER -> {
                FileType type = inode.type();
                if (type != FileType.REGULAR && type != FileType.DIRECTORY) {
                    throw new ErrnoException(Errno.EPERM, "user.* xattrs only on regular files and directories");
                }
                if (permissions.enforced(ctx) && type == FileType.DIRECTORY
                        && (inode.attr().mode() & Inode.S_ISVTX) != 0 && !permissions.isOwnerOrRoot(ctx, inode)) {
                    throw new ErrnoException(Errno.EPERM, "user.* xattrs of a sticky directory belong to its owner");
                }
                permissions.check(ctx, inode, AccessMask.W_OK);
            }
            case TRUSTED, SECURITY -> {
                if (permissions.enforced(ctx) && ctx.uid() != 0) {
                    throw new ErrnoException(Errno.EPERM, prefix + "* xattrs are written by root only");
                }
            }
            case SYSTEM -> throw new ErrnoException(Errno.EOPNOTSUPP, "system.* xattrs are not stored");
        }
    }

    /**
     * Checks that the caller may read an attribute of this namespace on {@code inode}.
     *
     * @throws ErrnoException {@code ENODATA} where Linux hides the attribute, {@code EACCES}
     */
    void checkRead(Context ctx, Inode inode, Permissions permissions) {
        switch (this) {
            case USER -> {
                FileType type = inode.type();
                if (type != FileType.REGULAR && type != FileType.DIRECTORY) {
                    throw new ErrnoException(Errno.ENODATA, "no user.* xattrs on a " + type);
                }
                permissions.check(ctx, inode, AccessMask.R_OK);
            }
            case TRUSTED -> {
                if (permissions.enforced(ctx) && ctx.uid() != 0) {
                    throw new ErrnoException(Errno.ENODATA, "trusted.* xattrs are visible to root only");
                }
            }
            case SECURITY -> {
            }
            case SYSTEM -> throw new ErrnoException(Errno.EOPNOTSUPP, "system.* xattrs are not stored");
        }
    }

    /** Whether {@code listxattr} shows {@code name} to the caller. */
    static boolean isListedFor(Context ctx, XattrName name, Permissions permissions) {
        return !name.hasPrefix(TRUSTED.prefix) || !permissions.enforced(ctx) || ctx.uid() == 0;
    }
}
