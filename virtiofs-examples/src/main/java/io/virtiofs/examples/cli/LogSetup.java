package io.virtiofs.examples.cli;

import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Logging for the command line: one line per record on stderr, at the level --log-level names. */
final class LogSetup {

    private LogSetup() {
    }

    /** Parses a level name as virtiofsd spells them (error, warn, info, debug, trace, off). */
    static Level parse(String name) throws UsageException {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "off" -> Level.OFF;
            case "error" -> Level.SEVERE;
            case "warn", "warning" -> Level.WARNING;
            case "info" -> Level.INFO;
            case "debug" -> Level.FINE;
            case "trace" -> Level.FINEST;
            default -> throw new UsageException("--log-level must be one of off, error, warn, info, debug, trace; not '"
                    + name + "'");
        };
    }

    static void apply(Level level) {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(level);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord record) {
                StringBuilder line = new StringBuilder();
                line.append('[').append(record.getInstant()).append(' ')
                        .append(record.getLevel().getName().toLowerCase(Locale.ROOT)).append("] ")
                        .append(formatMessage(record)).append(System.lineSeparator());
                if (record.getThrown() != null) {
                    java.io.StringWriter trace = new java.io.StringWriter();
                    record.getThrown().printStackTrace(new java.io.PrintWriter(trace));
                    line.append(trace);
                }
                return line.toString();
            }
        });
        root.addHandler(handler);
        root.setLevel(level);
    }
}
