package io.virtiofs.examples.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT and SIGTERM as a request to stop: the command's own stop action runs (unmount, close the
 * back-end), its main thread returns, and the process exits 0 — a JVM left to its default
 * handling would run shutdown hooks and exit 128+signal instead.
 *
 * <p>A signal the process ignores from its start stays ignored (the JVM keeps that, as a C
 * program checking before it installs a handler would): a shell starts its background jobs with
 * SIGINT ignored, so {@code virtiofs serve ... &} in a script does not stop on {@code kill -INT}.
 * The command then says so on its error stream, naming the way that still works.
 */
final class StopSignals {

    private StopSignals() {
    }

    /**
     * Runs {@code stop} (on a signal-dispatch thread) when SIGINT or SIGTERM arrives; writes one
     * line to {@code err} when this process ignores either.
     */
    static void onStop(Runnable stop, PrintStream err) {
        List<String> ignored = new ArrayList<>();
        for (String name : List.of("INT", "TERM")) {
            if (Signal.handle(new Signal(name), signal -> stop.run()) == SignalHandler.SIG_IGN) {
                ignored.add("SIG" + name);
            }
        }
        if (ignored.size() == 1) {
            String other = ignored.contains("SIGINT") ? "SIGTERM" : "SIGINT";
            err.println("virtiofs: " + ignored.getFirst() + " is ignored in this process (a shell starts background"
                    + " jobs with SIGINT ignored); stop it with " + other);
        } else if (ignored.size() == 2) {
            err.println("virtiofs: SIGINT and SIGTERM are ignored in this process; it stops only when its"
                    + " session ends or it is killed");
        }
    }
}
