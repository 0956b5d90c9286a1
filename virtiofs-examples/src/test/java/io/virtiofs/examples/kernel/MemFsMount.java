package io.virtiofs.examples.kernel;

import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.examples.memfs.MemFsConfig;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.ServerStatistics;
import io.virtiofs.transport.fuse.FuseMount;
import io.virtiofs.transport.fuse.FuseMountException;
import io.virtiofs.transport.fuse.FuseMountOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A {@link MemFs} mounted through the kernel's FUSE client on a fresh directory under /tmp, with
 * the {@link FuseServer} that serves it at hand (its counters show what the kernel asked).
 *
 * <p>{@link #close()} unmounts and deletes the directory, and must run whatever the test did (an
 * {@code @AfterEach}); a leaked FUSE mount would wedge later runs, so a shutdown hook also
 * unmounts what is still mounted when the JVM exits. {@link #remount()} serves the same memfs in
 * a new session, as after a restart of the server.
 */
final class MemFsMount implements AutoCloseable {

    /** The FUSE worker threads of each mount. */
    static final int WORKERS = 4;

    private static final Set<MemFsMount> MOUNTED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> MOUNTED.forEach(MemFsMount::unmountQuietly),
                "kerneltest-unmount"));
    }

    private final MemFs fs;
    private final Path directory;
    private final Path mountpoint;
    private final UnaryOperator<FuseMountOptions.Builder> options;
    private @Nullable FuseMount fuse;
    private @Nullable FuseServer server;

    private MemFsMount(MemFs fs, Path directory, UnaryOperator<FuseMountOptions.Builder> options) {
        this.fs = fs;
        this.directory = directory;
        this.mountpoint = directory.resolve("mnt");
        this.options = options;
    }

    /**
     * The memfs settings of most tests: attribute, entry and negative timeouts of 0, so the kernel
     * asks memfs again for every look at a name or an attribute.
     */
    static MemFsConfig.Builder config() {
        return MemFsConfig.builder().attrTimeout(Duration.ZERO).entryTimeout(Duration.ZERO)
                .negativeTimeout(Duration.ZERO);
    }

    /** Mounts a memfs with {@link #config()}. */
    static MemFsMount mount() {
        return mount(new MemFs(config().build()), UnaryOperator.identity());
    }

    /** Mounts a memfs with {@code config}. */
    static MemFsMount mount(MemFsConfig config) {
        return mount(new MemFs(config), UnaryOperator.identity());
    }

    /**
     * Mounts {@code fs} with the default options ({@code allow_other}, so child processes of other
     * users get in; {@value #WORKERS} workers) changed by {@code options}. Skips the test when the
     * machine cannot mount.
     */
    static MemFsMount mount(MemFs fs, UnaryOperator<FuseMountOptions.Builder> options) {
        MountPrerequisites.requireMounting();
        Path directory;
        try {
            // Searchable by everyone: tests act as other users on the mount inside.
            directory = Files.createTempDirectory(Path.of("/tmp"), "kerneltest-");
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createDirectory(directory.resolve("mnt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        MemFsMount mount = new MemFsMount(fs, directory, options);
        mount.remount();
        return mount;
    }

    /** Mounts the memfs (again): a new session with a new server; unmounts first if mounted. */
    void remount() {
        unmount();
        FuseMountOptions mountOptions = options.apply(FuseMountOptions.builder(mountpoint)
                .fsname("kerneltest").subtype("memfs").allowOther(true).workers(WORKERS)).build();
        try {
            fuse = FuseMount.mount(config -> {
                FuseServer made = new FuseServer(fs, config);
                server = made;
                return made;
            }, mountOptions);
        } catch (FuseMountException e) {
            throw new IllegalStateException("mounting memfs on " + mountpoint + " failed: " + e.getMessage(), e);
        }
        MOUNTED.add(this);
    }

    /** Unmounts (a lazy detach if busy) and stops the workers; the memfs and its files stay. */
    void unmount() {
        FuseMount current = fuse;
        if (current == null) {
            return;
        }
        fuse = null;
        try {
            current.close();
        } catch (FuseMountException e) {
            throw new IllegalStateException("unmounting " + mountpoint + " failed: " + e.getMessage(), e);
        } finally {
            MOUNTED.remove(this);
        }
    }

    private void unmountQuietly() {
        try {
            unmount();
        } catch (RuntimeException e) {
            System.err.println("kerneltest: " + e.getMessage());
        }
    }

    /** The mounted directory. */
    Path root() {
        return mountpoint;
    }

    /** {@code name} under the mounted directory. */
    Path path(String name) {
        return mountpoint.resolve(name);
    }

    /** The memfs served. */
    MemFs fs() {
        return fs;
    }

    /** The current mount. */
    FuseMount fuse() {
        if (fuse == null) {
            throw new IllegalStateException("not mounted");
        }
        return fuse;
    }

    /** The server of the current (or last) session. */
    FuseServer server() {
        if (server == null) {
            throw new IllegalStateException("never mounted");
        }
        return server;
    }

    /** The server's counters now. */
    ServerStatistics statistics() {
        return server().statistics();
    }

    /** Unmounts, then deletes the directory (only once nothing is mounted on it). */
    @Override
    public void close() {
        try {
            unmount();
        } finally {
            if (isMountpointFree()) {
                deleteDirectory();
            } else {
                System.err.println("kerneltest: " + mountpoint + " is still mounted; left in place");
            }
        }
    }

    private boolean isMountpointFree() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
            String field = " " + mountpoint + " ";
            return lines.stream().noneMatch(line -> line.contains(field));
        } catch (IOException e) {
            return false;
        }
    }

    private void deleteDirectory() {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "memfs on " + mountpoint;
    }
}
