package io.virtiofs.testkit.contract;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/**
 * A clock that tests move: it stands still until {@link #set} or {@link #advance}, so a test can
 * assert exact timestamps. Thread-safe.
 */
public final class TestClock implements InstantSource {

    private volatile Instant now;

    public TestClock(Instant start) {
        this.now = start;
    }

    /** A clock at 2024-01-01T00:00:00.000000001Z (nanoseconds visible from the start). */
    public static TestClock standard() {
        return new TestClock(Instant.parse("2024-01-01T00:00:00.000000001Z"));
    }

    @Override
    public Instant instant() {
        return now;
    }

    public void set(Instant instant) {
        now = instant;
    }

    /** Moves the clock forward and returns the new time. */
    public synchronized Instant advance(Duration step) {
        now = now.plus(step);
        return now;
    }

    /** Moves the clock forward by 1.000000123 seconds (odd nanoseconds catch truncation). */
    public Instant tick() {
        return advance(Duration.ofSeconds(1, 123));
    }
}
