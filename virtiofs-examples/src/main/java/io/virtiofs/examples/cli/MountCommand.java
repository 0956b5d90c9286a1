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

    private static final Set<String> WITH_VALUE = union(Set.of("fs", "threads", "attr-timeout", "entry-timeout",
            "capacity", "o", "log-level", "fsname"), S3Options.WITH_VALUE);
    private static final Set<String> FLAGS = union(Set.of("help", "verbose", "io-uring"), S3Options.FLAGS);

    static Set<String> union(Set<String> a, Set<String> b) {
        java.util.Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

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
                  --threads N             request worker threads (default 8, 1..256)
                  --io-uring              serve requests over io_uring, one ring per CPU (Linux
                                          6.14+, with fuse.enable_uring=Y in the kernel)
                  --attr-timeout SECONDS  how long the kernel caches attributes (default 1)
                  --entry-timeout SECONDS how long the kernel caches names (default 1)
                  --capacity BYTES        memfs capacity, e.g. 512M or 4G (default 1G)
                  -o OPT[,OPT...]         mount options: allow_other, default_permissions, ro,
                                          noatime, nosuid, nodev, noexec, suid, dev, max_read=N,
                                          fsname=NAME, subtype=NAME, ...
                  --fsname NAME           the source shown in /proc/mounts (default virtiofs-java)
                  --log-level LEVEL       off, error, warn, info (default), debug, trace
                  --verbose               print the FUSE INIT negotiation once mounted
                  --help                  this text
                """ + S3Options.USAGE;
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
        // A gateway's requests wait on the network: more workers, so that small requests are not
        // queued behind 1 MiB reads.
        int defaultWorkers = S3Options.selected(parsed) ? 16 : FuseMountOptions.DEFAULT_WORKERS;
        FuseMountOptions.Builder options = FuseMountOptions.builder(mountpoint)
                .workers(parsed.intValue("threads", defaultWorkers, 1, FuseMountOptions.MAX_WORKERS));
        parsed.value("fsname").ifPresent(options::fsname);
        options.ioUring(parsed.flag("io-uring"));
        try {
            for (String list : parsed.all("o")) {
                options.options(list);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        FuseMount mount;
        try {
            mount = FuseMount.mount(fs, options.build());
        } catch (FuseMountException e) {
            throw new CommandFailure(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        StopSignals.onStop(() -> closeQuietly(mount, err), err);
        Thread hook = new Thread(() -> closeQuietly(mount, err), "virtiofs-unmount");
        Runtime.getRuntime().addShutdownHook(hook);
        err.println("virtiofs: serving " + describe(parsed) + " on " + mountpoint
                + " (Ctrl-C or umount to stop)");
        if (parsed.flag("verbose")) {
            mount.negotiated().ifPresent(init -> err.println("virtiofs: FUSE " + init.major() + "." + init.minor()
                    + " negotiated, max_write " + init.maxWrite() + ", max_pages " + init.maxPages()));
        }
        try {
            mount.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (mount.wasUnmountedExternally()) {
            err.println("virtiofs: " + mountpoint + " was unmounted; exiting");
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running: it unmounts.
        }
        closeQuietly(mount, err);
        closeFileSystem(fs);
        return mount.failure().isPresent() ? 1 : 0;
    }

    static String describe(Arguments parsed) throws UsageException {
        if (S3Options.selected(parsed)) {
            return "s3://" + parsed.value("s3-bucket").get() + "/" + parsed.value("s3-prefix").orElse("")
                    + " at " + parsed.value("s3-endpoint").orElse("?");
        }
        return parsed.value("fs").orElse("memfs");
    }

    static void closeFileSystem(FileSystem fs) {
        if (fs instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                System.getLogger(MountCommand.class.getName()).log(System.Logger.Level.DEBUG, "closing the file system failed", e);
            }
        }
    }

    static FileSystem fileSystem(Arguments parsed) throws UsageException {
        if (S3Options.selected(parsed)) {
            if (parsed.value("fs").isPresent() || parsed.value("capacity").isPresent()) {
                throw new UsageException("--fs and --capacity are memfs options; --s3-bucket serves the S3 gateway");
            }
            return S3Options.fileSystem(parsed,
                    parsed.value("attr-timeout").isPresent() || parsed.value("entry-timeout").isPresent());
        }
        if (parsed.value("cache").isPresent()) {
            throw new UsageException("--cache is an option of the S3 gateway (--s3-bucket)");
        }
        String name = parsed.value("fs").orElse("memfs");
        if (!name.equals("memfs")) {
            throw new UsageException("--fs " + name + " is not known (memfs is the one file system built in)");
        }
        Duration attr = parsed.secondsValue("attr-timeout", Duration.ofSeconds(1));
        Duration entry = parsed.secondsValue("entry-timeout", Duration.ofSeconds(1));
        long capacity = parsed.sizeValue("capacity", MemFsConfig.DEFAULT_CAPACITY);
        try {
            return new MemFs(MemFsConfig.builder().capacityBytes(capacity).attrTimeout(attr).entryTimeout(entry).build());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static void closeQuietly(FuseMount mount, PrintStream err) {
        try {
            mount.close();
        } catch (FuseMountException e) {
            err.println("virtiofs: " + e.getMessage());
        }
    }
}
