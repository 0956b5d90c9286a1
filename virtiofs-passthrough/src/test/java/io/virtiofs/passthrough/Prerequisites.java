package io.virtiofs.passthrough;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.virtiofs.transport.internal.nativeio.CredentialCalls;
import io.virtiofs.transport.internal.nativeio.IdentityCalls;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a test needs from the machine (root, /dev/fuse): missing, the test is skipped with the
 * reason, except under {@code CI=true}, where it fails (CI must not pass by skipping).
 */
final class Prerequisites {

    private Prerequisites() {
    }

    static boolean isRoot() {
        return IdentityCalls.geteuid() == 0;
    }

    /** Root, and an architecture whose credential system calls are known. */
    static void requireRoot() {
        require(isRoot() && CredentialCalls.supported(), "needs root (running as uid " + IdentityCalls.geteuid() + ")");
    }

    /** Root and /dev/fuse, to mount. */
    static void requireMounting() {
        requireRoot();
        require(Files.exists(Path.of("/dev/fuse")), "/dev/fuse does not exist");
    }

    private static void require(boolean met, String why) {
        if (met) {
            return;
        }
        if ("true".equals(System.getenv("CI"))) {
            fail("cannot run: " + why + " (CI=true, so this fails instead of skipping)");
        }
        assumeTrue(false, why + ": skipped");
    }
}
