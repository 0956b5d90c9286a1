package io.virtiofs.examples.memfs;

import io.virtiofs.api.Context;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileLock;
import io.virtiofs.api.LockRequest;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The locks of one node, record ({@link RecordLocks}) and flock ({@link FlockLocks}), and the
 * requests waiting for them.
 *
 * <p>A request that must wait (F_SETLKW, or flock without LOCK_NB) waits on a condition that is
 * signalled whenever a lock of this node is released or changed, and re-checks. The driver
 * cancels a waiting request with FUSE_INTERRUPT, which only sets a flag in the {@link Context};
 * so the wait also wakes every {@value #CANCEL_POLL_MILLIS} ms to poll it, and gives up with
 * {@code EINTR} once it is set. A thread interrupt also ends the wait with {@code EINTR}.
 *
 * <p>Deadlock detection (EDEADLK) is not done: two owners waiting for each other wait until one
 * is cancelled.
 */
final class LockTable {

    /** How often a waiting request polls {@link Context#isCancelled()}. */
    static final long CANCEL_POLL_MILLIS = 10;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private final RecordLocks records = new RecordLocks();
    private final FlockLocks flocks = new FlockLocks();

    /**
     * FUSE_GETLK: the first lock that conflicts with {@code request}, or {@link FileLock#unlocked()}.
     */
    FileLock test(LockRequest request) {
        FileLock wanted = request.lock();
        if (wanted.type() == FileLock.F_UNLCK) {
            return FileLock.unlocked();
        }
        lock.lock();
        try {
            if (request.isFlock()) {
                return flocks.conflictWith(request.owner(), wanted.type());
            }
            RecordLocks.RecordLock conflict = records.firstConflict(request.owner(), wanted.type(), wanted.start(), wanted.end());
            return conflict == null ? FileLock.unlocked() : conflict.toFileLock();
        } finally {
            lock.unlock();
        }
    }

    /**
     * FUSE_SETLK / FUSE_SETLKW: takes, changes or releases a lock, waiting for conflicts to go away
     * when {@code request.sleep()}.
     *
     * @param pid the process to report for a record lock
     * @throws ErrnoException {@code EAGAIN} when a conflict exists and the request may not wait;
     *     {@code EINTR} when a wait was cancelled
     */
    void set(Context ctx, LockRequest request, int pid) {
        lock.lock();
        try {
            if (request.isFlock()) {
                setFlock(ctx, request);
            } else {
                setRecord(ctx, request, pid);
            }
        } finally {
            lock.unlock();
        }
    }

    private void setRecord(Context ctx, LockRequest request, int pid) {
        FileLock wanted = request.lock();
        long owner = request.owner();
        if (wanted.type() != FileLock.F_UNLCK) {
            while (records.firstConflict(owner, wanted.type(), wanted.start(), wanted.end()) != null) {
                if (!request.sleep()) {
                    throw new ErrnoException(Errno.EAGAIN, "range " + wanted.start() + ".." + wanted.end() + " is locked");
                }
                awaitRelease(ctx);
            }
        }
        if (records.apply(owner, pid, wanted.type(), wanted.start(), wanted.end())) {
            // Unlocking, shrinking or downgrading a lock may let a waiter in.
            released.signalAll();
        }
    }

    /**
     * flock semantics (Linux {@code flock_lock_inode}): taking the type already held does
     * nothing; converting first drops the old lock (waking others), then takes the new one, so a
     * conversion that must wait may lose the old lock.
     */
    private void setFlock(Context ctx, LockRequest request) {
        long owner = request.owner();
        int type = request.lock().type();
        int held = flocks.heldBy(owner);
        if (type == held) {
            return;
        }
        if (held != FileLock.F_UNLCK) {
            flocks.remove(owner);
            released.signalAll();
        }
        if (type == FileLock.F_UNLCK) {
            return;
        }
        while (flocks.conflicts(owner, type)) {
            if (!request.sleep()) {
                throw new ErrnoException(Errno.EWOULDBLOCK, "the file is flock-ed by another owner");
            }
            awaitRelease(ctx);
        }
        flocks.set(owner, type);
    }

    /** Waits for a release or the next poll of the cancellation flag; lock held. */
    private void awaitRelease(Context ctx) {
        ctx.checkCancelled();
        try {
            released.await(CANCEL_POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR, "interrupted while waiting for a lock");
        }
        ctx.checkCancelled();
    }

    /** Drops the record locks of {@code owner} (a close: FUSE_FLUSH with its lock owner). */
    void releaseRecords(long owner) {
        lock.lock();
        try {
            if (records.removeOwner(owner)) {
                released.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Drops the flock lock of {@code owner} (FUSE_RELEASE with FLOCK_UNLOCK). */
    void releaseFlock(long owner) {
        lock.lock();
        try {
            if (flocks.remove(owner)) {
                released.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The record locks held now, in order. */
    java.util.List<RecordLocks.RecordLock> recordSnapshot() {
        lock.lock();
        try {
            return records.snapshot();
        } finally {
            lock.unlock();
        }
    }

    /** The flock locks held now: owner to type. */
    java.util.Map<Long, Integer> flockSnapshot() {
        lock.lock();
        try {
            return flocks.snapshot();
        } finally {
            lock.unlock();
        }
    }

    /** Takes a migrated record lock as it was. */
    void restoreRecord(RecordLocks.RecordLock held) {
        lock.lock();
        try {
            records.apply(held.owner(), held.pid(), held.type(), held.start(), held.end());
        } finally {
            lock.unlock();
        }
    }

    /** Takes a migrated flock lock as it was. */
    void restoreFlock(long owner, int type) {
        lock.lock();
        try {
            flocks.set(owner, type);
        } finally {
            lock.unlock();
        }
    }

    /** Drops every lock (the session that held them ended). */
    void releaseAll() {
        lock.lock();
        try {
            records.clear();
            flocks.clear();
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
