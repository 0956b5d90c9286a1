package io.virtiofs.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.testkit.warmup.GuestWarmUp;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The in-process sessions of {@code selftest} and of {@code serve}'s warm-up. */
@Timeout(60)
class SelfTestSessionTest {

    @Test
    void warmUpSessionsAreReportedAtDebugNotAsADriversSession() throws Exception {
        Logger logger = Logger.getLogger(FuseServer.class.getName());
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage() != null && record.getMessage().startsWith("FUSE session")) {
                    records.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Level before = logger.getLevel();
        logger.setLevel(Level.FINE);
        logger.addHandler(capture);
        try {
            long requests = GuestWarmUp.run(MemFs::new, Duration.ofMillis(200));
            assertTrue(requests > 0);
        } finally {
            logger.removeHandler(capture);
            logger.setLevel(before);
        }
        assertEquals(4, records.size(), "a start and an end in each byte order: " + records);
        for (LogRecord record : records) {
            assertEquals(Level.FINE, record.getLevel(), record.getMessage());
        }
    }

    @Test
    void theWarmUpRunsAtLeastItsMinimumAndStopsAtItsMaximum() throws Exception {
        long started = System.nanoTime();
        GuestWarmUp.Result done = GuestWarmUp.runUntilSettled(MemFs::new, Duration.ofMillis(300), Duration.ofMillis(1200),
                () -> false);
        long took = System.nanoTime() - started;
        assertTrue(done.requests() > 0 && done.sessions() >= 1, done.toString());
        assertTrue(done.elapsed().toMillis() >= 300, "at least the minimum: " + done);
        // A session that has begun runs its half second, and its first one loads classes too.
        assertTrue(took < java.util.concurrent.TimeUnit.SECONDS.toNanos(10), "stopped near the maximum: " + done);
        assertTrue(done.compilerIdle() || done.elapsed().toMillis() >= 1200,
                "ends before the maximum only when the compilers went idle: " + done);
    }
}
