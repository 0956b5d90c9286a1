package io.virtiofs.examples.cli;

import sun.misc.Signal;

/**
 * SIGINT and SIGTERM as a request to stop: the command's own stop action runs (unmount, close the
 * back-end), its main thread returns, and the process exits 0 — a JVM left to its default
 * handling would run shutdown hooks and exit 128+signal instead.
 */
final class StopSignals {

    private StopSignals() {
    }

    /** Runs {@code stop} (on a signal-dispatch thread) when SIGINT or SIGTERM arrives. */
    static void onStop(Runnable stop) {
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), signal -> stop.run());
        }
    }
}
