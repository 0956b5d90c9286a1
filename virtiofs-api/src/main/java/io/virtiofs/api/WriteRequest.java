package io.virtiofs.api;

/**
 * A write ({@code struct fuse_write_in}); the data comes as a separate buffer.
 *
 * @param nodeid the file
 * @param fh the open file's handle
 * @param offset where to write (ignored for O_APPEND files by some file systems)
 * @param size the number of bytes
 * @param writeFlags {@link #CACHE}, {@link #LOCKOWNER}, {@link #KILL_SUIDGID}
 * @param lockOwner the lock owner
 * @param flags the open file's {@code open(2)} flags
 */
public record WriteRequest(long nodeid, long fh, long offset, int size, int writeFlags, long lockOwner, int flags) {

    /** FUSE_WRITE_CACHE: a delayed write from the page cache (writeback). */
    public static final int CACHE = 1;
    /** FUSE_WRITE_LOCKOWNER: {@code lockOwner} is valid. */
    public static final int LOCKOWNER = 1 << 1;
    /** FUSE_WRITE_KILL_SUIDGID: clear set-user-ID and set-group-ID. */
    public static final int KILL_SUIDGID = 1 << 2;

    public WriteRequest {
        if (size < 0) {
            throw new IllegalArgumentException("write size " + size + " is negative");
        }
    }

    /** Whether the write asks to clear set-user-ID and set-group-ID. */
    public boolean killSuidgid() {
        return (writeFlags & KILL_SUIDGID) != 0;
    }
}
