package io.virtiofs.passthrough;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cap on host descriptors the file system holds (node descriptors, open files, lock
 * descriptors): past it a request that needs one more fails with ENFILE ("too many open files
 * in the system", which for the guest this file system is) instead of the process running out
 * of descriptors for everything else.
 */
final class DescriptorBudget {

    private final int limit;
    private final int nodeLimit;
    private final AtomicInteger held = new AtomicInteger();

    DescriptorBudget(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("descriptor limit " + limit + " is not positive");
        }
        this.limit = limit;
        this.nodeLimit = Math.max(1, limit - limit / 4);
    }

    /** Takes one descriptor's place, or fails with ENFILE when all are taken. */
    void reserve() {
        reserve(limit);
    }

    /**
     * Takes one place for a node's descriptor: nodes may fill three quarters of the budget, so that
     * files can still be opened (and locked) when the guest holds very many nodes.
     */
    void reserveForNode() {
        reserve(nodeLimit);
    }

    private void reserve(int cap) {
        if (held.incrementAndGet() > cap) {
            held.decrementAndGet();
            throw new ErrnoException(Errno.ENFILE, "the file system holds its limit of " + cap + " host descriptors"
                    + (cap < limit ? " for nodes" : ""));
        }
    }

    /**
     * Fails with ENFILE when no node could get a descriptor now and nodes may not overflow to
     * handles: checked before a node is created on the host, so that a creation the guest is told
     * failed did not happen.
     */
    void requireRoomForNode(boolean overflowToHandles) {
        if (!overflowToHandles && held.get() >= nodeLimit) {
            throw new ErrnoException(Errno.ENFILE, "the file system holds its limit of " + nodeLimit
                    + " host descriptors for nodes");
        }
    }

    /** Gives one place back. */
    void release() {
        held.decrementAndGet();
    }

    /** Descriptors held now. */
    int held() {
        return held.get();
    }

    /** The limit. */
    int limit() {
        return limit;
    }
}
