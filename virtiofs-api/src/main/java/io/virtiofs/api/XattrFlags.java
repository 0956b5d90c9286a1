package io.virtiofs.api;

/**
 * The flags of a setxattr.
 *
 * @param flags {@link #CREATE} or {@link #REPLACE} (from {@code setxattr(2)})
 * @param setxattrFlags {@link #ACL_KILL_SGID} (with FUSE_SETXATTR_EXT, which the server negotiates)
 */
public record XattrFlags(int flags, int setxattrFlags) {

    /** XATTR_CREATE: fail with EEXIST if the attribute exists. */
    public static final int CREATE = 1;
    /** XATTR_REPLACE: fail with ENODATA if the attribute does not exist. */
    public static final int REPLACE = 2;
    /** FUSE_SETXATTR_ACL_KILL_SGID: clear set-group-ID when setting a POSIX ACL. */
    public static final int ACL_KILL_SGID = 1;

    /** No flags: create or replace. */
    public static final XattrFlags NONE = new XattrFlags(0, 0);

    public boolean create() {
        return (flags & CREATE) != 0;
    }

    public boolean replace() {
        return (flags & REPLACE) != 0;
    }

    public boolean aclKillSgid() {
        return (setxattrFlags & ACL_KILL_SGID) != 0;
    }
}
