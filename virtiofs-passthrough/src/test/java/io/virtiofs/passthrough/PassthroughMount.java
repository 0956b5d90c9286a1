package io.virtiofs.passthrough;

import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.transport.fuse.FuseMount;
import io.virtiofs.transport.fuse.FuseMountOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * A passthrough file system mounted through the host kernel's FUSE client: a scratch tmpfs with
 * {@code share/} (served) mounted on {@code mnt/}, and {@code oracle/} beside it, the same kind of
 * directory reached directly, to compare with. Mounted with {@code allow_other} and without
 * {@code default_permissions}, so every permission decision is the host's, made as the caller
 * the file system takes on; nothing is cached ({@link CachePolicy#NEVER}).
 */
final class PassthroughMount implements AutoCloseable {

    private final ScratchDirectory scratch;
    final Path share;
    final Path oracle;
    final Path mountpoint;
    final PassthroughFileSystem fs;
    private FuseMount fuse;
    private FuseServer server;

    private PassthroughMount(ScratchDirectory scratch, PassthroughFileSystem fs, FuseMount fuse) {
        this.scratch = scratch;
        this.share = scratch.path().resolve("share");
        this.oracle = scratch.path().resolve("oracle");
        this.mountpoint = scratch.path().resolve("mnt");
        this.fs = fs;
        this.fuse = fuse;
    }

    static PassthroughMount mount(UnaryOperator<PassthroughConfig.Builder> config) {
        Prerequisites.requireMounting();
        ScratchDirectory scratch = ScratchDirectory.create();
        try {
            Path share = scratch.directory("share");
            scratch.directory("oracle");
            Path mnt = scratch.directory("mnt");
            PassthroughFileSystem fs = new PassthroughFileSystem(config.apply(PassthroughConfig.builder(share)
                    .cache(CachePolicy.NEVER)).build());
            FuseMount fuse = FuseMount.mount(fs, FuseMountOptions.builder(mnt).fsname("passthrough-test")
                    .subtype("passthrough").allowOther(true).workers(4).build());
            return new PassthroughMount(scratch, fs, fuse);
        } catch (Exception e) {
            scratch.close();
            throw new IllegalStateException("mounting the passthrough failed: " + e.getMessage(), e);
        }
    }

    /** The two roots a scenario runs against: the mount and the oracle. */
    Path[] roots() {
        return new Path[] {mountpoint, oracle};
    }

    @Override
    public void close() {
        FuseMount current = fuse;
        fuse = null;
        if (current != null) {
            FutureTask<Void> closing = new FutureTask<>(() -> {
                current.close();
                return null;
            });
            Thread.ofPlatform().daemon(true).name("passthrough-unmount").start(closing);
            try {
                closing.get(20, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                ScratchDirectory.run("umount", "-l", mountpoint.toString());
            } catch (ExecutionException | InterruptedException e) {
                throw new IllegalStateException("unmounting " + mountpoint + " failed", e);
            }
        }
        fs.close();
        scratch.close();
    }

    /** Removes everything under both trees (as root, directly), so a scenario starts from empty. */
    void clear() {
        for (Path root : new Path[] {share, oracle}) {
            try (var paths = Files.walk(root)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    if (!p.equals(root)) {
                        Files.delete(p);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
