package io.virtiofs.transport.internal;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from the machine (root, /dev/fuse, the FUSE control file system, io_uring):
 * missing, the test is skipped with the reason, except when the environment variable {@code CI}
 * is {@code true}: a CI run must not pass by skipping, so there the test fails.
 */
public final class Prerequisites {

    private Prerequisites() {
    }

    /** Skips (or, with CI=true, fails) the test unless {@code present}; {@code missing} says what lacks. */
    public static void require(boolean present, String missing) {
        if (present) {
            return;
        }
        if ("true".equals(System.getenv("CI"))) {
            fail(missing + " (CI=true, so this fails instead of skipping)");
        }
        Assumptions.abort(missing + ": skipped");
    }
}
