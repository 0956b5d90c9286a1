package io.virtiofs.transport.fuse;

import io.virtiofs.protocol.server.FuseRequestHandler;
import io.virtiofs.protocol.server.FuseServerConfig;
import io.virtiofs.transport.internal.Prerequisites;
import io.virtiofs.transport.internal.nativeio.IdentityCalls;
import io.virtiofs.transport.internal.nativeio.MountCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What every test that mounts needs: root and /dev/fuse (skipped with the reason otherwise), a
 * fresh mountpoint under /tmp, and an unmount after the test whatever happened.
 */
abstract class FuseMountFixture {

    static final int MAX_WRITE = 128 * 1024;

    Path directory;
    Path mountpoint;
    private final List<FuseMount> mounts = new ArrayList<>();

    @BeforeEach
    void requireFuseAndRoot() throws IOException {
        Prerequisites.require(Files.exists(FuseDevice.DEFAULT_PATH), "/dev/fuse does not exist (the fuse module is not loaded)");
        int uid = IdentityCalls.geteuid();
        Prerequisites.require(uid == 0, "mounting needs root; running as uid " + uid);
        directory = Files.createTempDirectory(Path.of("/tmp"), "fusemount-");
        mountpoint = Files.createDirectory(directory.resolve("mnt"));
    }

    @AfterEach
    void unmountAndDelete() throws IOException {
        if (directory == null) {
            return;
        }
        for (FuseMount mount : mounts) {
            try {
                mount.close();
            } catch (FuseMountException e) {
                System.err.println("close failed: " + e.getMessage());
            }
        }
        // Belt and braces: a FUSE mount left behind wedges later tests.
        for (int i = 0; i < 8 && fuseMountAt(mountpoint).isPresent(); i++) {
            try {
                MountCalls.unmount(mountpoint.toString(), MountCalls.MNT_DETACH);
            } catch (NativeException e) {
                break;
            }
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** Mounts {@code handler} and remembers the mount for the clean-up. */
    FuseMount mount(MinimalFuseHandler handler, FuseMountOptions options) throws FuseMountException {
        FuseMount mount = FuseMount.mount(handler, options);
        mounts.add(mount);
        return mount;
    }

    /** Mounts the handler {@code factory} builds and remembers the mount for the clean-up. */
    FuseMount mount(Function<FuseServerConfig, MinimalFuseHandler> factory, FuseMountOptions options)
            throws FuseMountException {
        FuseMount mount = FuseMount.mount(factory, options);
        mounts.add(mount);
        return mount;
    }

    /** Mounts {@code handler} with workers that wait as {@code waitMode} says. */
    FuseMount mount(FuseRequestHandler handler, FuseMountOptions options, WaitMode waitMode) throws FuseMountException {
        FuseMount mount = FuseMount.mount(config -> handler, options, FuseDevice.standard(), waitMode);
        mounts.add(mount);
        return mount;
    }

    FuseMountOptions.Builder options() {
        return FuseMountOptions.builder(mountpoint).fsname("fusetest").subtype("minimal").maxWrite(MAX_WRITE).workers(2);
    }

    /** The FUSE mount on top of {@code path}, if any. */
    static Optional<MountInfo> fuseMountAt(Path path) throws IOException {
        return MountInfo.topAt(path).filter(mount -> mount.type().equals("fuse") || mount.type().startsWith("fuse."));
    }

    /** This process's descriptors on /dev/fuse and on eventfds: what a mount opens. */
    static List<String> fuseAndEventDescriptors() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.equals("/dev/fuse") || target.equals("anon_inode:[eventfd]")) {
                        found.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException e) {
                    // closed meanwhile (the listing's own descriptor)
                }
            }
        }
        return found.stream().sorted().toList();
    }
}
