package io.virtiofs.passthrough;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A fresh directory for one test: a tmpfs of its own when the test runs as root (what the kernel
 * tests share: a known file system with user and trusted xattrs), a directory under /tmp
 * otherwise. Searchable by everyone, since tests act as other users in it.
 */
final class ScratchDirectory implements AutoCloseable {

    private final Path path;
    private final boolean mounted;

    private ScratchDirectory(Path path, boolean mounted) {
        this.path = path;
        this.mounted = mounted;
    }

    static ScratchDirectory create() {
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "passthrough-test-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            boolean mounted = false;
            if (Prerequisites.isRoot()) {
                run("mount", "-t", "tmpfs", "-o", "size=256m,mode=0755", "passthrough-test", dir.toString());
                mounted = true;
            }
            return new ScratchDirectory(dir, mounted);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path path() {
        return path;
    }

    /** A new subdirectory {@code name}, mode 0755. */
    Path directory(String name) {
        try {
            Path dir = Files.createDirectories(path.resolve(name));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(List.of(command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (mounted) {
            run("umount", "-l", path.toString());
        } else {
            try (Stream<Path> paths = Files.walk(path)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
