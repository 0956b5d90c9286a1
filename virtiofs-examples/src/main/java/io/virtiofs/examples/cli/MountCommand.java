package io.virtiofs.examples.cli;

import io.virtiofs.api.FileSystem;
import io.virtiofs.api.ReadOnlyFileSystem;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.examples.memfs.MemFsConfig;
import io.virtiofs.passthrough.HostProcess;
import io.virtiofs.passthrough.PassthroughConfig;
import io.virtiofs.passthrough.PassthroughFileSystem;
import io.virtiofs.transport.fuse.FuseMount;
import io.virtiofs.transport.fuse.FuseMountException;
import io.virtiofs.transport.fuse.FuseMountOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code virtiofs mount}: serves a file system through the host kernel's FUSE client until
 * SIGINT, SIGTERM or an external umount, then unmounts and exits 0.
 */
final class MountCommand {

    private static final Set<String> WITH_VALUE = union(Set.of("fs", "threads", "attr-timeout", "entry-timeout",
            "capacity", "o", "log-level", "fsname"), SharedDirOptions.WITH_VALUE);
    private static final Set<String> FLAGS = union(Set.of("help", "verbose", "io-uring", "readonly"), SharedDirOptions.FLAGS);

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.HashSet<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    /** The file system a command serves, what to call it, and how to let it go. */
    record Served(FileSystem fs, Optional<Path> sharedDir, String description, AutoCloseable resources) {

        /** Closes what the file system holds (the shared directory's descriptors). */
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
                DIR through the passthrough file system (as a guest sees it; mount with
                -o allow_other,default_permissions to share it with other users); without, memfs.

                Options:
                  --fs memfs|passthrough  the file system to serve (default: passthrough with
                                          --shared-dir, else memfs, in memory)
                  --readonly              refuse every change with EROFS
                  --threads N             request worker threads (default 8, 1..256)
                  --io-uring              serve requests over io_uring, one ring per CPU (Linux
                                          6.14+, with fuse.enable_uring=Y in the kernel)
                  --attr-timeout SECONDS  memfs: how long the kernel caches attributes (default 1)
                  --entry-timeout SECONDS memfs: how long the kernel caches names (default 1)
                  --capacity BYTES        memfs capacity, e.g. 512M or 4G (default 1G)
                """ + SharedDirOptions.HELP + """
                  -o OPT[,OPT...]         mount options: allow_other, default_permissions, ro,
                                          noatime, nosuid, nodev, noexec, suid, dev, max_read=N,
                                          fsname=NAME, subtype=NAME, ...
                  --fsname NAME           the source shown in /proc/mounts (default virtiofs-java)
                  --log-level LEVEL       off, error, warn, info (default), debug, trace
                  --verbose               print the FUSE INIT negotiation once mounted
                  --help                  this text
                """;
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
        FuseMountOptions.Builder options = FuseMountOptions.builder(mountpoint)
                .workers(parsed.intValue("threads", FuseMountOptions.DEFAULT_WORKERS, 1, FuseMountOptions.MAX_WORKERS));
        parsed.value("fsname").ifPresent(options::fsname);
        options.ioUring(parsed.flag("io-uring"));
        try {
            for (String list : parsed.all("o")) {
                options.options(list);
            }
        } catch (IllegalArgumentException e) {
            served.close();
            throw new UsageException(e.getMessage());
        }
        FuseMount mount;
        try {
            mount = FuseMount.mount(fs, options.build());
        } catch (FuseMountException e) {
            served.close();
            throw new CommandFailure(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            served.close();
            throw new UsageException(e.getMessage());
        }
        StopSignals.onStop(() -> closeQuietly(mount, err), err);
        Thread hook = new Thread(() -> closeQuietly(mount, err), "virtiofs-unmount");
        Runtime.getRuntime().addShutdownHook(hook);
        err.println("virtiofs: serving " + served.description() + " on " + mountpoint
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
        served.close();
        return mount.failure().isPresent() ? 1 : 0;
    }

    /**
     * The file system the options name: the passthrough of {@code --shared-dir} (the default once
     * it is given), or memfs; {@code --readonly} applies to both.
     */
    static Served fileSystem(Arguments parsed) throws UsageException, CommandFailure {
        Optional<Path> shared = SharedDirOptions.sharedDir(parsed);
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

    private static void closeQuietly(FuseMount mount, PrintStream err) {
        try {
            mount.close();
        } catch (FuseMountException e) {
            err.println("virtiofs: " + e.getMessage());
        }
    }
}
