package io.virtiofs.testkit.support;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from the machine (root, /dev/fuse, gcc, io_uring, QEMU): missing, the test is
 * skipped with the reason, except when the environment variable {@code CI} is {@code true}: a CI
 * run must not pass by skipping, so there the test fails.
 */
public final class Prerequisites {

    private Prerequisites() {
    }

    /** Whether this is a CI run ({@code CI=true}), where nothing may be skipped. */
    public static boolean ci() {
        return "true".equals(System.getenv("CI"));
    }

    /** Skips (or, with {@code CI=true}, fails) the test unless {@code present}; {@code missing} says what lacks. */
    public static void require(boolean present, String missing) {
        if (present) {
            return;
        }
        if (ci()) {
            fail(missing + " (CI=true, so this fails instead of skipping)");
        }
        Assumptions.abort(missing + ": skipped");
    }
}
