package io.virtiofs.examples.cli;

import io.virtiofs.api.FileSystem;
import io.virtiofs.api.ReadOnlyFileSystem;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.examples.memfs.MemFsConfig;
import io.virtiofs.passthrough.HostProcess;
import io.virtiofs.passthrough.PassthroughConfig;
import io.virtiofs.passthrough.PassthroughFileSystem;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.protocol.server.Negotiation;
import io.virtiofs.transport.fuse.FuseMount;
import io.virtiofs.transport.fuse.FuseMountException;
import io.virtiofs.transport.fuse.FuseMountOptions;
import io.virtiofs.transport.fuse.RingFlag;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code virtiofs mount}: serves a file system through the host kernel's FUSE client until
 * SIGINT, SIGTERM or an external umount, then unmounts and exits 0.
 */
final class MountCommand {

    static final Set<String> WITH_VALUE = union(Set.of("fs", "threads", "attr-timeout", "entry-timeout",
            "capacity", "o", "log-level", "fsname", "ring-depth", "ring-flags", "zip"), S3Options.WITH_VALUE,
            SharedDirOptions.WITH_VALUE);
    static final Set<String> FLAGS = union(Set.of("help", "verbose", "io-uring", "readonly",
            "no-default-permissions", "no-allow-other"), S3Options.FLAGS, SharedDirOptions.FLAGS);

    @SafeVarargs
    static Set<String> union(Set<String>... sets) {
        java.util.Set<String> all = new java.util.HashSet<>();
        for (Set<String> set : sets) {
            all.addAll(set);
        }
        return Set.copyOf(all);
    }

    /** The file system a command serves, what to call it, and how to let it go. */
    record Served(FileSystem fs, Optional<Path> sharedDir, String description, AutoCloseable resources) {

        /** Closes what the file system holds (the shared directory's descriptors, the S3 client). */
        void close() {
            try {
                resources.close();
            } catch (Exception e) {
                System.getLogger(MountCommand.class.getName()).log(System.Logger.Level.WARNING,
                        "closing the file system failed: " + e.getMessage());
            }
        }
    }

    private MountCommand() {
    }

    static String usage() {
        return """
                usage: virtiofs mount [--shared-dir DIR] [OPTIONS] MOUNTPOINT

                Serves a file system through the host kernel's FUSE client (/dev/fuse, needs root
                or CAP_SYS_ADMIN) in the foreground, until SIGINT, SIGTERM or an external umount;
                then unmounts and exits 0. With --shared-dir, MOUNTPOINT shows the host directory
                DIR through the passthrough file system (as a guest sees it); without, memfs.

                Options:
                  --fs memfs|passthrough  the file system to serve (default: passthrough with
                                          --shared-dir, else memfs, in memory)
                  --zip FILE              serve the ZIP archive FILE read-only instead
                  --readonly              refuse every change with EROFS
                  --threads N             request worker threads over /dev/fuse (default: one
                                          per CPU; 1..256)
                  --io-uring              serve requests over io_uring, one ring per CPU (Linux
                                          6.14+, with fuse.enable_uring=Y in the kernel)
                  --ring-depth N          with --io-uring: requests each CPU's ring carries at
                                          once (default 16, 1..1024)
                  --ring-flags F[,F...]   with --io-uring: how each ring is set up, from
                                          single_issuer, defer_taskrun, coop_taskrun; or none
                                          (default single_issuer,defer_taskrun)
                  --attr-timeout SECONDS  memfs: how long the kernel caches attributes (default 1)
                  --entry-timeout SECONDS memfs: how long the kernel caches names (default 1)
                  --capacity BYTES        memfs capacity, e.g. 512M or 4G (default 1G)
                """ + SharedDirOptions.HELP + """
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
                """ + S3Options.USAGE;
    }

    /**
     * Prints the FUSE INIT negotiation once the kernel has sent INIT and the server answered it,
     * which happens after mount(2) returns: a daemon thread waits for it (10 s at the most).
     */
    private static void printNegotiation(FuseServer server, FuseMount mount, PrintStream err) {
        Thread.ofPlatform().name("virtiofs-verbose").daemon(true).start(() -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (mount.isActive() && System.nanoTime() < deadline) {
                Optional<Negotiation> negotiation = server.negotiation();
                if (negotiation.isPresent()) {
                    err.println("virtiofs: " + negotiation.get().describe().strip().replace("\n", "\nvirtiofs: "));
                    return;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (mount.isActive()) {
                err.println("virtiofs: no FUSE INIT was answered within 10 s");
            }
        });
    }

    static int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, CommandFailure {
        Arguments parsed = Arguments.parse(args, WITH_VALUE, FLAGS, SharedDirOptions.OPTIONAL_VALUE);
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
        Served served = fileSystem(parsed);
        FileSystem fs = served.fs();
        FuseMountOptions options;
        try {
            options = options(parsed, mountpoint);
        } catch (UsageException e) {
            served.close();
            throw e;
        }
        FuseMount mount;
        AtomicReference<FuseServer> server = new AtomicReference<>();
        try {
            mount = FuseMount.mount(config -> {
                FuseServer made = new FuseServer(fs, config);
                server.set(made);
                return made;
            }, options);
        } catch (FuseMountException e) {
            served.close();
            throw new CommandFailure(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            served.close();
            throw new UsageException(e.getMessage());
        }
        // SIGINT and SIGTERM unmount and end the command with status 0 (the mount's own handling).
        String startLine = "virtiofs: serving " + served.description() + " on " + mountpoint
                + " (Ctrl-C or umount to stop)";
        boolean verbose = parsed.flag("verbose");
        try {
            mount.runUntilStopped(() -> {
                err.println(startLine);
                if (verbose) {
                    printNegotiation(server.get(), mount, err);
                }
            });
        } catch (FuseMountException e) {
            err.println("virtiofs: " + e.getMessage());
        }
        if (mount.wasUnmountedExternally()) {
            err.println("virtiofs: " + mountpoint + " was unmounted; exiting");
        }
        served.close();
        return mount.failure().isPresent() ? 1 : 0;
    }

    /**
     * The mount's options: {@code default_permissions} and {@code allow_other} unless turned off,
     * so that, as on tmpfs or in a virtio-fs guest, every user may use the mount and the kernel
     * checks permissions with all of a caller's groups; then the {@code -o} lists.
     */
    static FuseMountOptions options(Arguments parsed, Path mountpoint) throws UsageException {
        FuseMountOptions.Builder options = FuseMountOptions.builder(mountpoint)
                // A gateway's requests wait on the network: more workers, so that small requests are
                // not queued behind 1 MiB reads.
                .workers(parsed.intValue("threads", S3Options.selected(parsed) ? 16 : defaultWorkers(), 1,
                        FuseMountOptions.MAX_WORKERS))
                .defaultPermissions(!parsed.flag("no-default-permissions"))
                .allowOther(!parsed.flag("no-allow-other"));
        parsed.value("fsname").ifPresent(options::fsname);
        options.ioUring(parsed.flag("io-uring"));
        options.ringDepth(parsed.intValue("ring-depth", FuseMountOptions.DEFAULT_RING_DEPTH, 1,
                FuseMountOptions.MAX_RING_DEPTH));
        Optional<String> ringFlags = parsed.value("ring-flags");
        if (ringFlags.isPresent()) {
            options.ringFlags(ringFlags(ringFlags.get()));
        }
        try {
            for (String list : parsed.all("o")) {
                options.options(list);
            }
            return options.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * One worker per CPU: memfs answers from memory and never waits inside a worker (lock waits go
     * to their own threads), so more workers only spread the requests over more sleeping threads.
     * The kernel wakes the longest-idle worker for each request: with 8 on a 2-CPU machine an
     * uncached fstat loop cost 1.6 context switches of the server per request and 10.4-13.5 us of
     * its CPU, with 2 workers 1.26-1.28 and 8.1-10.1 us, and ran faster in 3 of 4 alternating
     * rounds (BENCHMARKS.md).
     */
    static int defaultWorkers() {
        return Math.clamp(Runtime.getRuntime().availableProcessors(), 1, FuseMountOptions.MAX_WORKERS);
    }

    /** A --ring-flags list: names of {@link RingFlag}, any case, comma-separated; or none. */
    static Set<RingFlag> ringFlags(String list) throws UsageException {
        if (list.equalsIgnoreCase("none")) {
            return Set.of();
        }
        Set<RingFlag> flags = EnumSet.noneOf(RingFlag.class);
        for (String name : list.split(",", -1)) {
            try {
                flags.add(RingFlag.valueOf(name.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--ring-flags: unknown flag '" + name + "' (known: single_issuer, "
                        + "defer_taskrun, coop_taskrun, or none)");
            }
        }
        return flags;
    }

    /**
     * The file system the options name: the ZIP archive of {@code --zip} (read-only), the S3
     * gateway of {@code --s3-bucket}, the passthrough of
     * {@code --shared-dir} (the default once it is given), or memfs; {@code --readonly} applies to
     * all three.
     */
    static Served fileSystem(Arguments parsed) throws UsageException, CommandFailure {
        Optional<Path> shared = SharedDirOptions.sharedDir(parsed);
        if (parsed.value("zip").isPresent()) {
            if (parsed.value("fs").isPresent() || parsed.value("capacity").isPresent() || shared.isPresent()
                    || S3Options.selected(parsed)) {
                throw new UsageException("--zip serves an archive: it goes with none of --fs, --capacity, --shared-dir"
                        + " and --s3-bucket");
            }
            Path archive = Path.of(parsed.value("zip").get());
            FileSystem fs = ZipArchive.open(archive, parsed.secondsValue("entry-timeout", Duration.ofSeconds(1)),
                    parsed.secondsValue("attr-timeout", Duration.ofSeconds(1)));
            return new Served(fs, Optional.empty(), "ZIP archive " + archive,
                    fs instanceof AutoCloseable closeable ? closeable : () -> { });
        }
        if (S3Options.selected(parsed)) {
            if (parsed.value("fs").isPresent() || parsed.value("capacity").isPresent() || shared.isPresent()) {
                throw new UsageException("--fs, --capacity and --shared-dir choose other file systems; --s3-bucket"
                        + " serves the S3 gateway");
            }
            FileSystem fs = S3Options.fileSystem(parsed,
                    parsed.value("attr-timeout").isPresent() || parsed.value("entry-timeout").isPresent());
            String description = "s3://" + parsed.value("s3-bucket").get() + "/" + parsed.value("s3-prefix").orElse("")
                    + " at " + parsed.value("s3-endpoint").orElse("?");
            return new Served(parsed.flag("readonly") ? new ReadOnlyFileSystem(fs) : fs, Optional.empty(), description,
                    fs instanceof AutoCloseable closeable ? closeable : () -> { });
        }
        if (parsed.value("cache").isPresent() && shared.isEmpty()) {
            throw new UsageException("--cache is an option of a shared directory (--shared-dir) or the S3 gateway"
                    + " (--s3-bucket)");
        }
        String name = parsed.value("fs").orElse(shared.isPresent() ? "passthrough" : "memfs");
        boolean readOnly = parsed.flag("readonly");
        switch (name) {
            case "passthrough" -> {
                if (shared.isEmpty()) {
                    throw new UsageException("--fs passthrough needs --shared-dir DIR");
                }
                for (String memfsOnly : List.of("capacity", "attr-timeout", "entry-timeout")) {
                    if (parsed.value(memfsOnly).isPresent()) {
                        throw new UsageException("--" + memfsOnly + " is a memfs option; a shared directory takes --cache");
                    }
                }
                PassthroughConfig config = SharedDirOptions.config(parsed, shared.get(), readOnly);
                raiseOpenFileLimit(parsed);
                try {
                    PassthroughFileSystem fs = new PassthroughFileSystem(config);
                    return new Served(fs, shared, "the shared directory " + shared.get(), fs);
                } catch (IOException e) {
                    throw new CommandFailure("--shared-dir " + shared.get() + ": " + e.getMessage(), e);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
            }
            case "memfs" -> {
                if (shared.isPresent()) {
                    throw new UsageException("--shared-dir shares a host directory; --fs memfs serves memory (drop one)");
                }
                for (String option : SharedDirOptions.allNames()) {
                    if (parsed.flag(option) && !option.equals("shared-dir")) {
                        throw new UsageException("--" + option + " applies to a shared directory (--shared-dir DIR)");
                    }
                }
                Duration attr = parsed.secondsValue("attr-timeout", Duration.ofSeconds(1));
                Duration entry = parsed.secondsValue("entry-timeout", Duration.ofSeconds(1));
                long capacity = parsed.sizeValue("capacity", MemFsConfig.DEFAULT_CAPACITY);
                try {
                    FileSystem fs = new MemFs(MemFsConfig.builder().capacityBytes(capacity).attrTimeout(attr)
                            .entryTimeout(entry).build());
                    return new Served(readOnly ? new ReadOnlyFileSystem(fs) : fs, Optional.empty(), "memfs", () -> { });
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
            }
            default -> throw new UsageException("--fs " + name + " is not known (memfs or passthrough)");
        }
    }

    /** {@code --rlimit-nofile N} sets the open file limit; without it, it is raised as virtiofsd raises it. */
    private static void raiseOpenFileLimit(Arguments parsed) throws UsageException, CommandFailure {
        long limit = SharedDirOptions.rlimitNofile(parsed);
        try {
            if (limit < 0) {
                HostProcess.raiseOpenFileLimit();
            } else if (limit > 0) {
                HostProcess.setOpenFileLimit(limit);
            }
        } catch (IOException e) {
            throw new CommandFailure("--rlimit-nofile " + limit + ": " + e.getMessage(), e);
        }
    }
}
