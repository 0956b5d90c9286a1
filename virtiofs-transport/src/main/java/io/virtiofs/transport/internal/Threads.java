package io.virtiofs.transport.internal;

/** Waiting for threads that must end before the caller goes on. */
public final class Threads {

    private Threads() {
    }

    /**
     * Waits for every one of {@code threads} to end, going on when interrupted; returns whether
     * an interrupt came (the caller restores it).
     */
    public static boolean joinAll(Iterable<Thread> threads) {
        boolean interrupted = false;
        for (Thread thread : threads) {
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        return interrupted;
    }
}
