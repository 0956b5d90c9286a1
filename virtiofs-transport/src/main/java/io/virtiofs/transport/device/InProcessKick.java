package io.virtiofs.transport.device;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * A {@link KickEvent} for a driver in the same process: {@link #kick()} is the driver's
 * notification. One thread waits at a time (the queue's worker).
 */
public final class InProcessKick implements KickEvent {

    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicLong kicks = new AtomicLong();
    private volatile @Nullable Thread waiter;

    /** The driver's available buffer notification. */
    public void kick() {
        kicks.incrementAndGet();
        wake();
    }

    /** How many times {@link #kick()} was called. */
    public long kicks() {
        return kicks.get();
    }

    @Override
    public void wake() {
        pending.set(true);
        Thread thread = waiter;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    @Override
    public void awaitKick() throws InterruptedException {
        waiter = Thread.currentThread();
        try {
            while (!pending.getAndSet(false)) {
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted while waiting for a kick");
                }
            }
        } finally {
            waiter = null;
        }
    }
}
