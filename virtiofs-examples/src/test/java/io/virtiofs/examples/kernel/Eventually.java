package io.virtiofs.examples.kernel;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition no latch can signal: a thread or process blocked inside the kernel (a lock
 * wait), seen only through the server's counters or a child's output.
 */
final class Eventually {

    private Eventually() {
    }

    /** Polls {@code condition} every millisecond until it holds; fails after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting until " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
