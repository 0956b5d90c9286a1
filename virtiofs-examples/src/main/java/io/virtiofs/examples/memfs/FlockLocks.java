package io.virtiofs.examples.memfs;

import io.virtiofs.api.FileLock;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code flock(2)} locks of one file: whole-file, shared ({@link FileLock#F_RDLCK}) or
 * exclusive ({@link FileLock#F_WRLCK}), one per owner (the driver's owner for an open file
 * description). Independent of the record locks, as on Linux. Not thread-safe: {@link LockTable}
 * guards it.
 */
final class FlockLocks {

    private final Map<Long, Integer> typeByOwner = new HashMap<>();

    /** Whether another owner's lock keeps {@code owner} from taking one of {@code type}. */
    boolean conflicts(long owner, int type) {
        for (Map.Entry<Long, Integer> held : typeByOwner.entrySet()) {
            if (held.getKey() != owner && (type == FileLock.F_WRLCK || held.getValue() == FileLock.F_WRLCK)) {
                return true;
            }
        }
        return false;
    }

    /** The first lock of another owner that conflicts, as a whole-file {@link FileLock}, or null. */
    FileLock conflictWith(long owner, int type) {
        for (Map.Entry<Long, Integer> held : typeByOwner.entrySet()) {
            if (held.getKey() != owner && (type == FileLock.F_WRLCK || held.getValue() == FileLock.F_WRLCK)) {
                return new FileLock(0, Long.MAX_VALUE, held.getValue(), 0);
            }
        }
        return FileLock.unlocked();
    }

    /** The type {@code owner} holds, or {@link FileLock#F_UNLCK}. */
    int heldBy(long owner) {
        return typeByOwner.getOrDefault(owner, FileLock.F_UNLCK);
    }

    void set(long owner, int type) {
        typeByOwner.put(owner, type);
    }

    /** Drops {@code owner}'s lock; returns whether it had one. */
    boolean remove(long owner) {
        return typeByOwner.remove(owner) != null;
    }

    /** The locks held: owner to type. */
    Map<Long, Integer> snapshot() {
        return Map.copyOf(typeByOwner);
    }

    void clear() {
        typeByOwner.clear();
    }
}
