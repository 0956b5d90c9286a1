package io.virtiofs.api;

/**
 * The last close of an open file or directory ({@code struct fuse_release_in}).
 *
 * @param nodeid the node
 * @param fh the handle being released
 * @param flags the open file's {@code open(2)} flags
 * @param releaseFlags {@link #FLUSH}, {@link #FLOCK_UNLOCK}
 * @param lockOwner the lock owner, for {@link #FLOCK_UNLOCK}
 */
public record ReleaseRequest(long nodeid, long fh, int flags, int releaseFlags, long lockOwner) {

    /** FUSE_RELEASE_FLUSH: flush before releasing. */
    public static final int FLUSH = 1;
    /** FUSE_RELEASE_FLOCK_UNLOCK: drop the flock locks of {@code lockOwner}. */
    public static final int FLOCK_UNLOCK = 1 << 1;

    public boolean flush() {
        return (releaseFlags & FLUSH) != 0;
    }

    public boolean flockUnlock() {
        return (releaseFlags & FLOCK_UNLOCK) != 0;
    }
}
