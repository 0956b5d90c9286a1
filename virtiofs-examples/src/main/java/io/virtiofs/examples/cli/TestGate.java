package io.virtiofs.examples.cli;

import io.virtiofs.api.Context;
import io.virtiofs.api.Entry;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.api.FileSystem;
import io.virtiofs.api.ForwardingFileSystem;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code serve --test-gate}: a test aid that holds a request inside the file system. A LOOKUP of a
 * name starting with {@value #HOLD} waits, on the thread serving it, until a LOOKUP of
 * {@value #OPEN} (from any directory) or the hold time passes; both answer ENOENT. Every hold is
 * logged with how long it lasted, the thread it held and what ended it, so a guest test can prove
 * that requests on other queues were served meanwhile (harness/workloads/multiqueue.sh).
 */
final class TestGate extends ForwardingFileSystem {

    static final String HOLD = ".gate-hold";
    static final String OPEN = ".gate-open";
    private static final byte[] HOLD_BYTES = HOLD.getBytes(StandardCharsets.US_ASCII);
    private static final FileName OPEN_NAME = FileName.of(OPEN);
    private static final System.Logger LOG = System.getLogger(TestGate.class.getName());

    private final long holdNanos;
    private final Object lock = new Object();
    private long openings;
    private String openedBy = "";

    TestGate(FileSystem delegate, Duration hold) {
        super(delegate);
        this.holdNanos = hold.toNanos();
    }

    @Override
    public Entry lookup(Context ctx, long parent, FileName name) {
        if (name.equals(OPEN_NAME)) {
            synchronized (lock) {
                openings++;
                openedBy = Thread.currentThread().getName();
                lock.notifyAll();
            }
            LOG.log(Level.INFO, "test gate: opened by a LOOKUP of {0} on {1}", OPEN, Thread.currentThread().getName());
            throw new ErrnoException(Errno.ENOENT);
        }
        if (startsWithHold(name)) {
            hold(name);
            throw new ErrnoException(Errno.ENOENT);
        }
        return super.lookup(ctx, parent, name);
    }

    private static boolean startsWithHold(FileName name) {
        if (name.length() < HOLD_BYTES.length) {
            return false;
        }
        for (int i = 0; i < HOLD_BYTES.length; i++) {
            if (name.byteAt(i) != HOLD_BYTES[i]) {
                return false;
            }
        }
        return true;
    }

    private void hold(FileName name) {
        String thread = Thread.currentThread().getName();
        long start = System.nanoTime();
        boolean opened = false;
        String by = "";
        synchronized (lock) {
            long seen = openings;
            long remaining = holdNanos;
            while (openings == seen && remaining > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                remaining = holdNanos - (System.nanoTime() - start);
            }
            if (openings != seen) {
                opened = true;
                by = openedBy;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (opened) {
            LOG.log(Level.INFO, String.format("test gate: %s held %.3f s on %s, released by a LOOKUP of %s on %s",
                    name, seconds, thread, OPEN, by));
        } else {
            LOG.log(Level.WARNING, String.format("test gate: %s held %.3f s on %s, timed out (no LOOKUP of %s came)",
                    name, seconds, thread, OPEN));
        }
    }
}
