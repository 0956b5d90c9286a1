package io.virtiofs.api;

/**
 * What a setattr changes ({@code struct fuse_setattr_in}): only the fields whose bit is set in
 * {@code valid} are meant; the rest hold no information.
 *
 * @param valid which fields to change: {@code FATTR_*} bits, tested with the {@code has...}
 *     methods
 * @param fh the open file the change came through, when {@link #hasFh()}
 * @param size new size (truncate or extend)
 * @param lockOwner the lock owner, when {@link #hasLockOwner()}
 * @param atime new access time, seconds (unless {@link #atimeNow()})
 * @param atimeNsec new access time, nanoseconds
 * @param mtime new modification time, seconds (unless {@link #mtimeNow()})
 * @param mtimeNsec new modification time, nanoseconds
 * @param ctime new change time, seconds
 * @param ctimeNsec new change time, nanoseconds
 * @param mode new permission bits (the type bits are ignored)
 * @param uid new owner
 * @param gid new group
 */
public record SetattrRequest(int valid, long fh, long size, long lockOwner,
                             long atime, int atimeNsec, long mtime, int mtimeNsec, long ctime, int ctimeNsec,
                             int mode, int uid, int gid) {

    public static final int FATTR_MODE = 1;
    public static final int FATTR_UID = 1 << 1;
    public static final int FATTR_GID = 1 << 2;
    public static final int FATTR_SIZE = 1 << 3;
    public static final int FATTR_ATIME = 1 << 4;
    public static final int FATTR_MTIME = 1 << 5;
    public static final int FATTR_FH = 1 << 6;
    public static final int FATTR_ATIME_NOW = 1 << 7;
    public static final int FATTR_MTIME_NOW = 1 << 8;
    public static final int FATTR_LOCKOWNER = 1 << 9;
    public static final int FATTR_CTIME = 1 << 10;
    public static final int FATTR_KILL_SUIDGID = 1 << 11;

    public boolean hasMode() {
        return (valid & FATTR_MODE) != 0;
    }

    public boolean hasUid() {
        return (valid & FATTR_UID) != 0;
    }

    public boolean hasGid() {
        return (valid & FATTR_GID) != 0;
    }

    public boolean hasSize() {
        return (valid & FATTR_SIZE) != 0;
    }

    /** The access time changes (to {@link #atime()} or, with {@link #atimeNow()}, to now). */
    public boolean hasAtime() {
        return (valid & FATTR_ATIME) != 0;
    }

    /** The modification time changes (to {@link #mtime()} or, with {@link #mtimeNow()}, to now). */
    public boolean hasMtime() {
        return (valid & FATTR_MTIME) != 0;
    }

    public boolean hasFh() {
        return (valid & FATTR_FH) != 0;
    }

    /** The access time is set to the current time (UTIME_NOW). */
    public boolean atimeNow() {
        return (valid & FATTR_ATIME_NOW) != 0;
    }

    /** The modification time is set to the current time (UTIME_NOW). */
    public boolean mtimeNow() {
        return (valid & FATTR_MTIME_NOW) != 0;
    }

    public boolean hasLockOwner() {
        return (valid & FATTR_LOCKOWNER) != 0;
    }

    public boolean hasCtime() {
        return (valid & FATTR_CTIME) != 0;
    }

    /** Clear set-user-ID and set-group-ID (with {@link Capability#HANDLE_KILLPRIV_V2}). */
    public boolean killSuidgid() {
        return (valid & FATTR_KILL_SUIDGID) != 0;
    }
}
