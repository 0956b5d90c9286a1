package io.virtiofs.transport.vhostuser;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects the ERROR lines ({@code System.Logger.Level.ERROR}, JUL's SEVERE) every logger writes
 * while open: nothing a driver sends may produce one.
 */
public final class ErrorLogWatch implements AutoCloseable {

    private final Logger root = Logger.getLogger("");
    private final List<LogRecord> errors = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    public ErrorLogWatch() {
        root.addHandler(handler);
    }

    /** The ERROR lines so far, as text ("logger: message: thrown"). */
    public List<String> errors() {
        return errors.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()
                + (r.getThrown() == null ? "" : ": " + r.getThrown())).toList();
    }

    @Override
    public void close() {
        root.removeHandler(handler);
    }
}
