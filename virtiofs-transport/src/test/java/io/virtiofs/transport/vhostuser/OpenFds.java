package io.virtiofs.transport.vhostuser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** The process's open descriptors, from {@code /proc/self/fd}: for leak checks. */
final class OpenFds {

    private OpenFds() {
    }

    /** The numbers of the open descriptors (the directory listing's own descriptor excluded). */
    static Set<Integer> now() {
        try (var entries = Files.list(Path.of("/proc/self/fd"))) {
            Set<Integer> fds = entries.map(p -> Integer.parseInt(p.getFileName().toString()))
                    .collect(Collectors.toCollection(TreeSet::new));
            // The listing's own descriptor is gone once the stream closes; drop the ones that are.
            fds.removeIf(fd -> !Files.exists(Path.of("/proc/self/fd/" + fd)));
            return fds;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What each descriptor refers to, for failure messages. */
    static String describe(Set<Integer> fds) {
        return fds.stream().map(fd -> {
            try {
                return fd + " -> " + Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
            } catch (IOException e) {
                return fd + " -> ?";
            }
        }).collect(Collectors.joining(", ", "[", "]"));
    }
}
