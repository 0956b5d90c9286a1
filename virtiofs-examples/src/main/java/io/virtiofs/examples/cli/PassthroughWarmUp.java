package io.virtiofs.examples.cli;

import io.virtiofs.passthrough.PassthroughConfig;
import io.virtiofs.passthrough.PassthroughFileSystem;
import io.virtiofs.testkit.warmup.GuestWarmUp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The testkit's {@link GuestWarmUp} sessions against the passthrough file system, each over a
 * fresh scratch directory under a parent of the caller's choice (never a shared directory), all
 * removed afterwards: {@code serve --shared-dir} warms the passthrough's request paths with it, and
 * {@code selftest}, the build's ahead-of-time training run, records their profiles.
 */
final class PassthroughWarmUp {

    private PassthroughWarmUp() {
    }

    /** Runs the sessions for about {@code budget}; returns the number of requests sent. */
    static long run(Duration budget, Path parent) throws TimeoutException, IOException {
        Path scratch = Files.createTempDirectory(parent, "virtiofs-warm-up-");
        List<PassthroughFileSystem> opened = new ArrayList<>();
        try {
            return GuestWarmUp.run(() -> {
                try {
                    Path dir = Files.createTempDirectory(scratch, "session-");
                    // xattrs on, as a guest's first GETXATTR of security.capability then meets ENODATA
                    PassthroughFileSystem fs = new PassthroughFileSystem(PassthroughConfig.builder(dir).xattrs(true).build());
                    opened.add(fs);
                    return fs;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, budget);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        } finally {
            for (PassthroughFileSystem fs : opened) {
                fs.close();
            }
            try (Stream<Path> paths = Files.walk(scratch)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
