package io.virtiofs.api;

/**
 * The flags of an open, create, opendir or tmpfile request: the caller's {@code open(2)} flags
 * ({@code O_*}, as Linux on x86 and arm numbers them) and FUSE's own open flags.
 *
 * @param flags the {@code open(2)} flags; the driver has removed O_CREAT, O_EXCL and O_NOCTTY
 *     from an open (they are answered by lookup and create)
 * @param killSuidgid FUSE_OPEN_KILL_SUIDGID: the file system should clear set-user-ID and
 *     set-group-ID bits on truncate or write (with {@link Capability#HANDLE_KILLPRIV_V2})
 */
public record OpenFlags(int flags, boolean killSuidgid) {

    public static final int O_ACCMODE = 03;
    public static final int O_RDONLY = 00;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DSYNC = 010000;
    public static final int O_DIRECT = 040000;
    public static final int O_LARGEFILE = 0100000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_NOATIME = 01000000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_SYNC = 04010000;
    public static final int O_PATH = 010000000;
    public static final int O_TMPFILE = 020200000;

    /** Flags without FUSE's extras. */
    public static OpenFlags of(int flags) {
        return new OpenFlags(flags, false);
    }

    /** {@link #O_RDONLY}, {@link #O_WRONLY} or {@link #O_RDWR}. */
    public int accessMode() {
        return flags & O_ACCMODE;
    }

    /** Whether the caller may read through this open. */
    public boolean canRead() {
        return accessMode() == O_RDONLY || accessMode() == O_RDWR;
    }

    /** Whether the caller may write through this open. */
    public boolean canWrite() {
        return accessMode() == O_WRONLY || accessMode() == O_RDWR;
    }

    /** Whether every bit of {@code flag} is set. */
    public boolean has(int flag) {
        return (flags & flag) == flag;
    }

    /** O_TRUNC is set. */
    public boolean truncate() {
        return has(O_TRUNC);
    }

    /** O_APPEND is set. */
    public boolean append() {
        return has(O_APPEND);
    }
}
