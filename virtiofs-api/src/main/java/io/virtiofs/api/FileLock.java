package io.virtiofs.api;

/**
 * A POSIX record lock or a flock lock ({@code struct fuse_file_lock}).
 *
 * @param start first byte
 * @param end last byte, inclusive ({@link Long#MAX_VALUE}, shown as OFFSET_MAX, for "to the end")
 * @param type {@link #F_RDLCK}, {@link #F_WRLCK} or {@link #F_UNLCK}
 * @param pid the owning process, as the driver numbers it (0 for flock locks)
 */
public record FileLock(long start, long end, int type, int pid) {

    public static final int F_RDLCK = 0;
    public static final int F_WRLCK = 1;
    public static final int F_UNLCK = 2;

    public FileLock {
        if (type != F_RDLCK && type != F_WRLCK && type != F_UNLCK) {
            throw new ErrnoException(Errno.EINVAL, "lock type " + type + " is not F_RDLCK, F_WRLCK or F_UNLCK");
        }
        if (start < 0 || end < start) {
            throw new ErrnoException(Errno.EINVAL, "lock range " + start + ".." + end + " is invalid");
        }
    }

    /** The answer to getlk when nothing conflicts. */
    public static FileLock unlocked() {
        return new FileLock(0, 0, F_UNLCK, 0);
    }

    /** Whether the two ranges share at least one byte. */
    public boolean overlaps(FileLock other) {
        return start <= other.end && other.start <= end;
    }
}
