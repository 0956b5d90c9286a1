package io.virtiofs.api;

/**
 * A read ({@code struct fuse_read_in}).
 *
 * @param nodeid the file
 * @param fh the open file's handle
 * @param offset where to start
 * @param size how many bytes at most
 * @param readFlags {@link #LOCKOWNER} when {@code lockOwner} is set
 * @param lockOwner the lock owner
 * @param flags the open file's {@code open(2)} flags
 */
public record ReadRequest(long nodeid, long fh, long offset, int size, int readFlags, long lockOwner, int flags) {

    /** FUSE_READ_LOCKOWNER: {@code lockOwner} is valid. */
    public static final int LOCKOWNER = 1 << 1;

    public ReadRequest {
        if (size < 0) {
            throw new IllegalArgumentException("read size " + size + " is negative");
        }
    }
}
