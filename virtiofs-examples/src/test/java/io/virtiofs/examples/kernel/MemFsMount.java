package io.virtiofs.examples.kernel;

import io.virtiofs.api.FileSystem;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A {@link MemFs} mounted through the kernel's FUSE client on a fresh directory under /tmp, with
 * the {@link FuseServer} that serves it at hand (its counters show what the kernel asked).
 *
 * <p>{@link #close()} unmounts and deletes the directory, and must run whatever the test did (an
 * {@code @AfterEach}). A leaked FUSE mount would wedge later runs, and a mount served by this JVM
 * that still has requests in flight when the JVM exits deadlocks it (threads waiting for replies
 * keep the /dev/fuse descriptors open, so the kernel never aborts the connection). So an unmount
 * that does not finish within {@value #UNMOUNT_SECONDS} s aborts the connection through the FUSE
 * control file system, and a shutdown hook aborts and unmounts whatever is still mounted.
 * {@link #remount()} serves the same memfs in a new session, as after a restart of the server.
 */
final class MemFsMount implements AutoCloseable {

    /** The FUSE worker threads of each mount. */
    static final int WORKERS = 4;
    /** How long an unmount may take before the connection is aborted. */
    static final int UNMOUNT_SECONDS = 10;

    private static final Path CONNECTIONS = Path.of("/sys/fs/fuse/connections");
    /**
     * Whether every mount serves over io_uring ({@code -Dvirtiofs.test.ioUring=true}: the build
     * runs the kernel tests once that way too).
     */
    static final boolean RING_MODE = Boolean.getBoolean("virtiofs.test.ioUring");

    private static final Set<MemFsMount> MOUNTED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> MOUNTED.forEach(mount -> {
            if (mount.isMountedHere()) {
                mount.abortConnection();
            }
            mount.unmountQuietly();
        }), "kerneltest-unmount"));
    }

    private final FileSystem fs;
    private final Path directory;
    private final Path mountpoint;
    private final UnaryOperator<FuseMountOptions.Builder> options;
    private @Nullable FuseMount fuse;
    private @Nullable FuseServer server;
    private volatile int connection = -1;

    private MemFsMount(FileSystem fs, Path directory, UnaryOperator<FuseMountOptions.Builder> options) {
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
    static MemFsMount mount(FileSystem fs, UnaryOperator<FuseMountOptions.Builder> options) {
        MountPrerequisites.requireMounting();
        if (RING_MODE) {
            MountPrerequisites.requireIoUring();
        }
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
        try {
            mount.remount();
        } catch (RuntimeException | Error e) {
            mount.close();
            throw e;
        }
        return mount;
    }

    /** Mounts the memfs (again): a new session with a new server; unmounts first if mounted. */
    void remount() {
        unmount();
        FuseMountOptions mountOptions = options.apply(FuseMountOptions.builder(mountpoint)
                .fsname("kerneltest").subtype("memfs").allowOther(true).workers(WORKERS)
                .ioUring(RING_MODE)).build();
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
        connection = Statx.of(mountpoint).devMinor();
    }

    /**
     * Unmounts (a lazy detach if busy) and stops the workers; the memfs and its files stay. If that
     * takes longer than {@value #UNMOUNT_SECONDS} s, aborts the connection and waits again.
     */
    void unmount() {
        FuseMount current = fuse;
        if (current == null) {
            return;
        }
        fuse = null;
        if (RING_MODE && current.negotiated().isPresent()
                && current.requestsOverIoUring() == 0) {
            System.err.println("kerneltest: no request on " + mountpoint + " went over io_uring");
        }
        FutureTask<Void> closing = new FutureTask<>(() -> {
            current.close();
            return null;
        });
        Thread.ofPlatform().daemon(true).name("kerneltest-close").start(closing);
        try {
            try {
                closing.get(UNMOUNT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                System.err.println("kerneltest: unmounting " + mountpoint + " is stuck; aborting FUSE connection "
                        + connection);
                abortConnection();
                closing.get(UNMOUNT_SECONDS, TimeUnit.SECONDS);
                throw new IllegalStateException("unmounting " + mountpoint + " hung until its connection was aborted");
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("unmounting " + mountpoint + " failed: " + e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("unmounting " + mountpoint + " hangs even after the abort", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted unmounting " + mountpoint, e);
        } finally {
            MOUNTED.remove(this);
        }
    }

    /**
     * Aborts the FUSE connection ({@code /sys/fs/fuse/connections/N/abort}): every request in
     * flight fails with ENOTCONN, so no thread stays blocked on this mount.
     */
    private void abortConnection() {
        Path abort = CONNECTIONS.resolve(String.valueOf(connection)).resolve("abort");
        if (connection < 0 || !Files.exists(abort)) {
            return;
        }
        try {
            Files.writeString(abort, "1");
        } catch (IOException e) {
            System.err.println("kerneltest: cannot abort FUSE connection " + connection + ": " + e);
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

    /** The memfs served (when it is one). */
    MemFs fs() {
        if (!(fs instanceof MemFs memfs)) {
            throw new IllegalStateException("the file system served is not a memfs but " + fs);
        }
        return memfs;
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

    /**
     * Waits until statfs of the mount satisfies {@code condition} and returns it. Space and inodes
     * come back when memfs frees a node, which follows FUSE_RELEASE or FUSE_FORGET: the kernel
     * sends both asynchronously, after close(2) or unlink(2) have returned.
     */
    PathCalls.StatVfs awaitStatfs(String what, Predicate<PathCalls.StatVfs> condition) {
        Eventually.await(what + " (statfs now " + PathCalls.statvfs(mountpoint) + ")", Duration.ofSeconds(10),
                () -> condition.test(PathCalls.statvfs(mountpoint)));
        return PathCalls.statvfs(mountpoint);
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

    /** Whether the mountpoint still carries this mount's connection (device 0:N). */
    private boolean isMountedHere() {
        try {
            String fields = " 0:" + connection + " / " + mountpoint + " ";
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(line -> line.contains(fields));
        } catch (IOException e) {
            return false;
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
