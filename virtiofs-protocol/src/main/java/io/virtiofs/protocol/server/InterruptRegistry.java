package io.virtiofs.protocol.server;

import java.util.Arrays;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Finds the request a FUSE_INTERRUPT targets. Every worker thread's {@link Exchange} registers
 * here once; an interrupt scans them (a handful) for the request id, allocating nothing. The
 * exchanges of threads that have ended are dropped when the next thread registers, so a
 * transport whose pools replace their threads (idle threads that expire) does not make the list
 * grow without end. An
 * interrupt that arrives before its request started (it can overtake it: virtio-fs processes
 * hiprio concurrently with the request queues) is remembered, boundedly, so the request is
 * cancelled when it starts.
 */
final class InterruptRegistry {

    /** How many early interrupts are remembered; older ones are dropped. */
    static final int EARLY_CAPACITY = 64;

    private final CopyOnWriteArrayList<Exchange> registrations = new CopyOnWriteArrayList<>();
    private final long[] early = new long[EARLY_CAPACITY];
    private int earlyNext;
    private volatile int earlyCount;

    /**
     * Registers a new exchange, the calling thread's, and forgets those of threads that ended. An
     * exchange that belongs to no thread (a pending request's, or one kept for reuse) stays.
     */
    void register(Exchange exchange) {
        registrations.removeIf(registered -> {
            Thread owner = registered.owner();
            return owner != null && !owner.isAlive();
        });
        exchange.owner(Thread.currentThread());
        registrations.add(exchange);
    }

    /** How many exchanges are registered (for tests). */
    int registered() {
        return registrations.size();
    }

    /**
     * Cancels the running request {@code unique}.
     *
     * @return whether a running request had that id
     */
    boolean interruptRunning(long unique) {
        for (Exchange exchange : registrations) {
            if (exchange.cancelIfRunning(unique)) {
                return true;
            }
        }
        return false;
    }

    /** Cancels whatever request each exchange is running (the transport is stopping). */
    void interruptAllRunning() {
        for (Exchange exchange : registrations) {
            exchange.cancelRunning();
        }
    }

    /** Remembers an interrupt whose request has not started yet. */
    synchronized void rememberEarly(long unique) {
        if (unique == 0) {
            return;
        }
        if (early[earlyNext] == 0) {
            earlyCount++;
        }
        early[earlyNext] = unique;
        earlyNext = (earlyNext + 1) % EARLY_CAPACITY;
    }

    /** Whether an early interrupt was remembered for {@code unique}; forgets it if so. */
    boolean takeEarly(long unique) {
        if (earlyCount == 0) {
            return false;
        }
        synchronized (this) {
            for (int i = 0; i < EARLY_CAPACITY; i++) {
                if (early[i] == unique && unique != 0) {
                    early[i] = 0;
                    earlyCount--;
                    return true;
                }
            }
            return false;
        }
    }

    /** The early interrupts remembered now, oldest first. */
    synchronized long[] early() {
        long[] pending = new long[earlyCount];
        int n = 0;
        for (int i = 0; i < EARLY_CAPACITY; i++) {
            long unique = early[(earlyNext + i) % EARLY_CAPACITY];
            if (unique != 0) {
                pending[n++] = unique;
            }
        }
        return n == pending.length ? pending : Arrays.copyOf(pending, n);
    }

    /** Forgets every early interrupt (the session ended). */
    synchronized void clear() {
        Arrays.fill(early, 0);
        earlyCount = 0;
        earlyNext = 0;
    }
}
