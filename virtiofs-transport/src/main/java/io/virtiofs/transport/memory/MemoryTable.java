package io.virtiofs.transport.memory;

import java.util.concurrent.CompletableFuture;

/**
 * The current guest memory map of a device: one {@link GuestMemory} snapshot, replaced atomically
 * when the front-end changes the memory table while queues run (vhost-user SET_MEM_TABLE,
 * ADD_MEM_REG, REM_MEM_REG).
 *
 * <p>Workers take the current snapshot with {@link #acquire()} and release it when done; they pick
 * up a replacement between descriptor chains. A replaced snapshot's regions are unmapped only after
 * its last user released it ({@link GuestMemory#drained()}).
 */
public final class MemoryTable implements AutoCloseable {

    private volatile GuestMemory current;
    private boolean closed;

    /** A table starting with no memory. */
    public MemoryTable() {
        this.current = GuestMemory.empty();
    }

    /**
     * The current snapshot, without becoming a user: for comparing with one already held. Never
     * read memory through it without {@link #acquire()}.
     */
    public GuestMemory peek() {
        return current;
    }

    /** The current snapshot with one more user; the caller must {@link GuestMemory#release()} it. */
    public GuestMemory acquire() {
        while (true) {
            GuestMemory memory = current;
            if (memory.tryRetain()) {
                if (memory == current) {
                    return memory;
                }
                memory.release();
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Publishes {@code next}, taking over its creation reference, and retires the previous
     * snapshot.
     *
     * @return completes when the previous snapshot has drained (its unused regions unmapped)
     */
    public synchronized CompletableFuture<Void> replace(GuestMemory next) {
        if (closed) {
            throw new IllegalStateException("memory table is closed");
        }
        if (next.isDrained()) {
            throw new IllegalArgumentException("guest memory snapshot was already released");
        }
        GuestMemory previous = current;
        current = next;
        previous.release();
        return previous.drained();
    }

    /** Retires the current snapshot; its regions are unmapped once no worker uses them. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            GuestMemory previous = current;
            current = GuestMemory.empty();
            previous.release();
        }
    }
}
