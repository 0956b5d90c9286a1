package io.virtiofs.examples.memfs;

import io.virtiofs.api.FileLock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The POSIX record locks ({@code fcntl(F_SETLK)}) of one file, as Linux keeps them
 * ({@code posix_lock_inode} in {@code fs/locks.c}).
 *
 * <p>Locks belong to an owner (the driver's lock owner: one per process). An owner's locks never
 * overlap: setting a lock replaces whatever the owner held in its range, splitting locks that
 * stick out on either side, and merges with the owner's locks of the same type that touch or
 * overlap it. Unlocking a range in the middle of a lock splits it in two. Two locks of different
 * owners conflict when they overlap and at least one is a write lock.
 *
 * <p>Ranges are inclusive; {@link Long#MAX_VALUE} as end means "to the end of the file, however
 * it grows". Not thread-safe: {@link LockTable} guards it.
 */
final class RecordLocks {

    /**
     * One lock.
     *
     * @param owner the lock owner
     * @param pid the owner's process, as the driver numbers it (reported by getlk)
     * @param type {@link FileLock#F_RDLCK} or {@link FileLock#F_WRLCK}
     * @param start the first byte
     * @param end the last byte
     */
    record RecordLock(long owner, int pid, int type, long start, long end) {

        RecordLock {
            if (type != FileLock.F_RDLCK && type != FileLock.F_WRLCK) {
                throw new IllegalArgumentException("record lock type " + type);
            }
            if (start < 0 || end < start) {
                throw new IllegalArgumentException("record lock range " + start + ".." + end);
            }
        }

        boolean overlaps(long otherStart, long otherEnd) {
            return start <= otherEnd && otherStart <= end;
        }

        FileLock toFileLock() {
            return new FileLock(start, end, type, pid);
        }
    }

    private static final Comparator<RecordLock> ORDER =
            Comparator.comparingLong(RecordLock::start).thenComparingLong(RecordLock::owner);

    /** All locks, ordered by start (then owner). */
    private final List<RecordLock> locks = new ArrayList<>();

    /**
     * The first lock (lowest start) of another owner that conflicts with {@code type} on
     * [{@code start}, {@code end}], or null.
     */
    @Nullable RecordLock firstConflict(long owner, int type, long start, long end) {
        for (RecordLock lock : locks) {
            if (lock.start() > end) {
                break;
            }
            if (lock.owner() != owner && lock.overlaps(start, end)
                    && (type == FileLock.F_WRLCK || lock.type() == FileLock.F_WRLCK)) {
                return lock;
            }
        }
        return null;
    }

    /**
     * Sets {@code owner}'s lock on [{@code start}, {@code end}] to {@code type}
     * ({@link FileLock#F_UNLCK} removes it). Does not check conflicts: the caller did.
     *
     * @return whether anything changed (waiters may then proceed)
     */
    boolean apply(long owner, int pid, int type, long start, long end) {
        boolean changed = carve(owner, start, end);
        if (type == FileLock.F_UNLCK) {
            return changed;
        }
        long mergedStart = start;
        long mergedEnd = end;
        for (int i = locks.size() - 1; i >= 0; i--) {
            RecordLock lock = locks.get(i);
            boolean touches = lock.overlaps(mergedStart == 0 ? 0 : mergedStart - 1,
                    mergedEnd == Long.MAX_VALUE ? Long.MAX_VALUE : mergedEnd + 1);
            if (lock.owner() == owner && lock.type() == type && touches) {
                mergedStart = Math.min(mergedStart, lock.start());
                mergedEnd = Math.max(mergedEnd, lock.end());
                locks.remove(i);
            }
        }
        insert(new RecordLock(owner, pid, type, mergedStart, mergedEnd));
        return true;
    }

    /** Removes every lock of {@code owner}; returns whether there were any. */
    boolean removeOwner(long owner) {
        return locks.removeIf(lock -> lock.owner() == owner);
    }

    /** Removes every lock. */
    void clear() {
        locks.clear();
    }

    /** The locks, ordered by start then owner (a copy, for tests and diagnostics). */
    List<RecordLock> snapshot() {
        return List.copyOf(locks);
    }

    /** Removes [start, end] from {@code owner}'s locks, keeping the parts outside it. */
    private boolean carve(long owner, long start, long end) {
        List<RecordLock> kept = new ArrayList<>(2);
        boolean changed = false;
        for (int i = locks.size() - 1; i >= 0; i--) {
            RecordLock lock = locks.get(i);
            if (lock.owner() != owner || !lock.overlaps(start, end)) {
                continue;
            }
            locks.remove(i);
            changed = true;
            if (lock.start() < start) {
                kept.add(new RecordLock(owner, lock.pid(), lock.type(), lock.start(), start - 1));
            }
            if (lock.end() > end) {
                kept.add(new RecordLock(owner, lock.pid(), lock.type(), end + 1, lock.end()));
            }
        }
        kept.forEach(this::insert);
        return changed;
    }

    private void insert(RecordLock lock) {
        int index = 0;
        while (index < locks.size() && ORDER.compare(locks.get(index), lock) <= 0) {
            index++;
        }
        locks.add(index, lock);
    }
}
