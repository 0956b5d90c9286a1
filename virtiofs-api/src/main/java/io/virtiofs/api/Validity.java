package io.virtiofs.api;

import java.time.Duration;

/** Checks of the cache durations that replies carry. */
final class Validity {

    private Validity() {
    }

    static void check(String what, Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException(what + " " + duration + " is negative");
        }
    }
}
