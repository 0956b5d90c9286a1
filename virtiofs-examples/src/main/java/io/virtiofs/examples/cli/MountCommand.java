package io.virtiofs.examples.cli;

import io.virtiofs.api.FileSystem;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.examples.memfs.MemFsConfig;
import io.virtiofs.transport.fuse.FuseMount;
import io.virtiofs.transport.fuse.FuseMountException;
import io.virtiofs.transport.fuse.FuseMountOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * {@code virtiofs mount}: serves a file system through the host kernel's FUSE client until
 * SIGINT, SIGTERM or an external umount, then unmounts and exits 0.
 */
final class MountCommand {

    static final Set<String> WITH_VALUE = Set.of("fs", "threads", "attr-timeout", "entry-timeout",
            "capacity", "o", "log-level", "fsname", "zip");
    static final Set<String> FLAGS = Set.of("help", "verbose", "io-uring", "no-default-permissions",
            "no-allow-other");

    private MountCommand() {
    }

    static String usage() {
        return """
                usage: virtiofs mount [OPTIONS] MOUNTPOINT

                Serves a file system through the host kernel's FUSE client (/dev/fuse, needs root
                or CAP_SYS_ADMIN) in the foreground, until SIGINT, SIGTERM or an external umount;
                then unmounts and exits 0.

                Options:
                  --fs memfs              the file system to serve (memfs: in memory; the default)
                  --zip FILE              serve the ZIP archive FILE read-only instead
                  --threads N             request worker threads (default 8, 1..256)
                  --io-uring              serve requests over io_uring, one ring per CPU (Linux
                                          6.14+, with fuse.enable_uring=Y in the kernel)
                  --attr-timeout SECONDS  how long the kernel caches attributes (default 1)
                  --entry-timeout SECONDS how long the kernel caches names (default 1)
                  --capacity BYTES        memfs capacity, e.g. 512M or 4G (default 1G)
                  -o OPT[,OPT...]         mount options: ro, noatime, nosuid, nodev, noexec, suid,
                                          dev, max_read=N, fsname=NAME, subtype=NAME, ...
                  --no-default-permissions
                                          let memfs check permissions itself instead of the
                                          kernel (default_permissions is on by default, as in
                                          every virtio-fs guest; memfs then learns callers'
                                          supplementary groups from /proc)
                  --no-allow-other        only the mounting user may use the mount (allow_other
                                          is on by default: every user may, subject to the
                                          permission checks, as on tmpfs)
                  --fsname NAME           the source shown in /proc/mounts (default virtiofs-java)
                  --log-level LEVEL       off, error, warn, info (default), debug, trace
                  --verbose               print the FUSE INIT negotiation once mounted
                  --help                  this text
                """;
    }

    static int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, CommandFailure {
        Arguments parsed = Arguments.parse(args, WITH_VALUE, FLAGS);
        if (parsed.flag("help")) {
            out.print(usage());
            return 0;
        }
        LogSetup.apply(LogSetup.parse(parsed.value("log-level").orElse("info")));
        if (parsed.positional().size() != 1) {
            throw new UsageException(parsed.positional().isEmpty() ? "mount needs a MOUNTPOINT"
                    : "mount takes one MOUNTPOINT, not " + parsed.positional());
        }
        Path mountpoint = Path.of(parsed.positional().get(0)).toAbsolutePath().normalize();
        FileSystem fs = fileSystem(parsed);
        FuseMountOptions options = options(parsed, mountpoint);
        FuseMount mount;
        try {
            mount = FuseMount.mount(fs, options);
        } catch (FuseMountException e) {
            throw new CommandFailure(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        // SIGINT and SIGTERM unmount and end the command with status 0 (the mount's own handling).
        String served = servedName(parsed);
        boolean verbose = parsed.flag("verbose");
        try {
            mount.runUntilStopped(() -> {
                err.println("virtiofs: serving " + served + " on " + mountpoint + " (Ctrl-C or umount to stop)");
                if (verbose) {
                    mount.negotiated().ifPresent(init -> err.println("virtiofs: FUSE " + init.version()
                            + " negotiated, max_write " + init.maxWrite() + ", max_pages " + init.maxPages()));
                }
            });
        } catch (FuseMountException e) {
            err.println("virtiofs: " + e.getMessage());
        }
        if (mount.wasUnmountedExternally()) {
            err.println("virtiofs: " + mountpoint + " was unmounted; exiting");
        }
        return mount.failure().isPresent() ? 1 : 0;
    }

    /**
     * The mount's options: {@code default_permissions} and {@code allow_other} unless turned off,
     * so that, as on tmpfs or in a virtio-fs guest, every user may use the mount and the kernel
     * checks permissions with all of a caller's groups; then the {@code -o} lists.
     */
    static FuseMountOptions options(Arguments parsed, Path mountpoint) throws UsageException {
        FuseMountOptions.Builder options = FuseMountOptions.builder(mountpoint)
                .workers(parsed.intValue("threads", FuseMountOptions.DEFAULT_WORKERS, 1, FuseMountOptions.MAX_WORKERS))
                .defaultPermissions(!parsed.flag("no-default-permissions"))
                .allowOther(!parsed.flag("no-allow-other"));
        parsed.value("fsname").ifPresent(options::fsname);
        options.ioUring(parsed.flag("io-uring"));
        try {
            for (String list : parsed.all("o")) {
                options.options(list);
            }
            return options.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** What is served, for the start line: memfs, or the ZIP archive's path. */
    static String servedName(Arguments parsed) throws UsageException {
        String zip = parsed.value("zip").orElse(null);
        return zip != null ? "ZIP archive " + zip : parsed.value("fs").orElse("memfs");
    }

    static FileSystem fileSystem(Arguments parsed) throws UsageException, CommandFailure {
        Duration attr = parsed.secondsValue("attr-timeout", Duration.ofSeconds(1));
        Duration entry = parsed.secondsValue("entry-timeout", Duration.ofSeconds(1));
        if (parsed.value("zip").isPresent()) {
            if (parsed.value("fs").isPresent() || parsed.value("capacity").isPresent()) {
                throw new UsageException("--zip serves an archive: it goes with neither --fs nor --capacity");
            }
            return ZipArchive.open(Path.of(parsed.value("zip").get()), entry, attr);
        }
        String name = parsed.value("fs").orElse("memfs");
        if (!name.equals("memfs")) {
            throw new UsageException("--fs " + name + " is not known (memfs is the one file system built in)");
        }
        long capacity = parsed.sizeValue("capacity", MemFsConfig.DEFAULT_CAPACITY);
        try {
            return new MemFs(MemFsConfig.builder().capacityBytes(capacity).attrTimeout(attr).entryTimeout(entry).build());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
