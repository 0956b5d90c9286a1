package io.virtiofs.transport.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT and SIGTERM as a request to stop, while a mount or a back-end runs in the foreground:
 * {@code stop} runs on a signal-dispatch thread instead of the JVM beginning to exit (which would
 * end the process with 128+signal); {@link #close()} puts the previous handlers back.
 *
 * <p>A signal the process ignores from its start stays ignored (the JVM keeps that, as a C program
 * checking before it installs a handler would): a shell starts its background jobs with SIGINT
 * ignored, so {@code prog &} in a script does not stop on {@code kill -INT}. {@link #ignoredNote()}
 * says so, naming the way that still works.
 */
public final class StopSignals implements AutoCloseable {

    private static final List<String> NAMES = List.of("INT", "TERM");

    private final List<Signal> installed = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private final List<String> ignored = new ArrayList<>();

    private StopSignals() {
    }

    /** Runs {@code stop} (on a signal-dispatch thread) when SIGINT or SIGTERM arrives, until {@link #close()}. */
    public static StopSignals install(Runnable stop) {
        StopSignals signals = new StopSignals();
        for (String name : NAMES) {
            Signal signal = new Signal(name);
            SignalHandler old = Signal.handle(signal, caught -> stop.run());
            if (old == SignalHandler.SIG_IGN) {
                signals.ignored.add("SIG" + name);
            } else {
                signals.installed.add(signal);
                signals.previous.add(old);
            }
        }
        return signals;
    }

    /** The signals this process ignores ("SIGINT", "SIGTERM"), which therefore do not stop it. */
    public List<String> ignored() {
        return List.copyOf(ignored);
    }

    /** A sentence saying which signals are ignored and what still stops the process; empty when none is. */
    public Optional<String> ignoredNote() {
        if (ignored.size() == 1) {
            String other = ignored.contains("SIGINT") ? "SIGTERM" : "SIGINT";
            return Optional.of(ignored.getFirst() + " is ignored in this process (a shell starts background jobs with"
                    + " SIGINT ignored); stop it with " + other);
        }
        if (ignored.size() == 2) {
            return Optional.of("SIGINT and SIGTERM are ignored in this process; it stops only when its session ends"
                    + " or it is killed");
        }
        return Optional.empty();
    }

    /** Puts back the handlers that were in place before {@link #install}. */
    @Override
    public void close() {
        for (int i = 0; i < installed.size(); i++) {
            Signal.handle(installed.get(i), previous.get(i));
        }
        installed.clear();
        previous.clear();
    }
}
