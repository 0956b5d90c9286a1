package io.virtiofs.transport.vhostuser;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the threads using a descriptor, so that its owner can retire it while a queue worker
 * still does: whoever leaves last closes it. A descriptor number is never closed under a thread
 * that could still read or write it (the number could be reused by then).
 */
final class UseCount {

    /** The owner's reference plus one per thread inside; 0 once closed. */
    private final AtomicInteger count = new AtomicInteger(1);
    private final AtomicBoolean retired = new AtomicBoolean();
    private final Runnable closer;

    /** @param closer closes the resource; runs once, on the thread that leaves last */
    UseCount(Runnable closer) {
        this.closer = closer;
    }

    /**
     * Enters; the caller must {@link #exit()} afterwards.
     *
     * @return false if the resource is closed already (the caller must not touch it)
     */
    boolean enter() {
        while (true) {
            int current = count.get();
            if (current == 0) {
                return false;
            }
            if (count.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Leaves; closes the resource if it was retired and this was the last user. */
    void exit() {
        int left = count.decrementAndGet();
        if (left == 0) {
            closer.run();
        } else if (left < 0) {
            throw new IllegalStateException("use count left more often than entered");
        }
    }

    /** Drops the owner's reference once: the resource closes now, or when its last user leaves. */
    void retire() {
        if (retired.compareAndSet(false, true)) {
            exit();
        }
    }

    /** Whether the resource is closed. */
    boolean isClosed() {
        return count.get() == 0;
    }
}
