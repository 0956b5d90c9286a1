package io.virtiofs.api;

import java.util.Objects;

/**
 * A lock query or change ({@code struct fuse_lk_in}).
 *
 * @param nodeid the file
 * @param fh the open file's handle
 * @param owner the lock owner (one per open file description for flock, per process for POSIX)
 * @param lock the lock range and type
 * @param lockFlags {@link #FLOCK} for {@code flock(2)} locks; otherwise POSIX record locks
 * @param sleep whether to wait for a conflicting lock to go away (F_SETLKW, LOCK_EX without
 *     LOCK_NB); a waiting file system must watch {@link Context#isCancelled()}
 */
public record LockRequest(long nodeid, long fh, long owner, FileLock lock, int lockFlags, boolean sleep) {

    /** FUSE_LK_FLOCK: a {@code flock(2)} lock, not a POSIX one. */
    public static final int FLOCK = 1;

    public LockRequest {
        Objects.requireNonNull(lock, "lock");
    }

    /** Whether this is a {@code flock(2)} lock. */
    public boolean isFlock() {
        return (lockFlags & FLOCK) != 0;
    }
}
