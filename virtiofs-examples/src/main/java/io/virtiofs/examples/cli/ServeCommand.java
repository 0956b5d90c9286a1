package io.virtiofs.examples.cli;

import io.virtiofs.api.FileSystem;
import io.virtiofs.api.ReadOnlyFileSystem;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.testkit.warmup.GuestWarmUp;
import io.virtiofs.transport.vhostuser.VhostUserBackend;
import io.virtiofs.protocol.migration.MigrationOnError;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code virtiofs serve}: serves a file system to a virtual machine as a vhost-user-fs device.
 * Flags that mean what virtiofsd's mean carry virtiofsd's names, so the daemon can be swapped in.
 */
final class ServeCommand {

    private static final Set<String> WITH_VALUE = MountCommand.union(Set.of("socket-path", "fd", "fs", "tag",
            "thread-pool-size", "num-request-queues", "queue-size", "log-level", "attr-timeout", "entry-timeout",
            "capacity", "warm-up", "test-gate", "migration-mode", "migration-on-error"), S3Options.WITH_VALUE);
    /**
     * Request queues served by default. With vhost-user-fs-pci the VMM picks how many a guest uses
     * (QEMU's num-request-queues, which must not exceed this); queues it does not set up cost
     * nothing. Four measured best of 1, 2 and 4 for guests of 1, 2 and 4 vCPUs (BENCHMARKS.md,
     * "Request queues").
     */
    static final int DEFAULT_REQUEST_QUEUES = 4;
    private static final Set<String> FLAGS = MountCommand.union(Set.of("help", "readonly", "exit-on-disconnect",
            "accept-unsealed-memory"), S3Options.FLAGS);

    private ServeCommand() {
    }

    static String usage() {
        return """
                usage: virtiofs serve (--socket-path PATH | --fd FD) [OPTIONS]

                Serves a file system to a virtual machine as a vhost-user-fs device (virtio-fs,
                device 26): QEMU connects with -chardev socket,path=PATH,id=fs0
                -device vhost-user-fs-pci,chardev=fs0,tag=TAG and the guest runs
                mount -t virtiofs TAG /mnt. Runs until SIGINT or SIGTERM; when the VMM
                disconnects, waits for the next one (unless --exit-on-disconnect).

                Options:
                  --socket-path PATH      the vhost-user socket to create (must not exist)
                  --fd FD                 serve an inherited listening socket instead
                  --fs memfs              the file system to serve (memfs: in memory; the default)
                  --tag TAG               the tag the guest mounts (default myfs; 1..36 bytes)
                  --thread-pool-size N    threads running requests (default 0: each queue's own thread)
                  --num-request-queues N  request queues served besides hiprio, each by its own
                                          thread (default 4): QEMU's vhost-user-fs-pci
                                          num-request-queues may be up to N; a front-end that
                                          sets up fewer is told of as many as it set up
                  --queue-size N          the largest vring size accepted (default 1024)
                  --readonly              refuse every change with EROFS
                  --attr-timeout SECONDS  how long the guest caches attributes (default 1)
                  --entry-timeout SECONDS how long the guest caches names (default 1)
                  --capacity BYTES        memfs capacity, e.g. 512M or 4G (default 1G)
                  --exit-on-disconnect    exit when the VMM disconnects, as virtiofsd does
                  --accept-unsealed-memory
                                          accept guest memory that cannot be sealed against
                                          shrinking (memory-backend-file, a memfd without
                                          sealing); a VMM that shrinks it then resets the device.
                                          Default: refused (memory-backend-memfd is sealed)
                  --migration-mode MODE   find-paths (default) or file-handles, as virtiofsd's: how
                                          a passthrough file system finds its nodes again on the
                                          destination of a live migration. memfs sends its whole
                                          content in either mode; a file system that cannot
                                          migrate (the S3 gateway, --readonly, --test-gate) makes
                                          QEMU block migration up front
                  --migration-on-error abort|guest-error
                                          on the destination, when the file system's state cannot
                                          be restored: fail the migration (abort, the default; the
                                          guest runs on at the source) or complete it and give the
                                          guest errors for what did not come along
                  --warm-up SECONDS       run throwaway in-process sessions at start so the JIT
                                          has compiled the request path before the guest's first
                                          requests: at least SECONDS, then until the compilers
                                          are idle or a guest mounts, at most ten times SECONDS
                                          (default 2; 0 skips); on the destination of a live
                                          migration it ends once the state begins to load
                  --test-gate SECONDS     test aid: a lookup of a name starting with .gate-hold
                                          waits in the file system until a lookup of .gate-open
                                          or SECONDS pass (off by default)
                  --log-level LEVEL       off, error, warn, info (default), debug, trace
                  --help                  this text
                """ + S3Options.USAGE + """
                With --s3-bucket the default --thread-pool-size is 16: requests that wait on the
                store run on the pool, so small ones are answered while 1 MiB reads are in flight.
                """;
    }

    /** {@code --migration-on-error}: virtiofsd's names. */
    static MigrationOnError migrationOnError(Arguments parsed) throws UsageException {
        String value = parsed.value("migration-on-error").orElse("abort");
        return switch (value) {
            case "abort" -> MigrationOnError.ABORT;
            case "guest-error" -> MigrationOnError.GUEST_ERROR;
            default -> throw new UsageException("--migration-on-error is abort or guest-error, not " + value);
        };
    }

    /** {@code --migration-mode}: virtiofsd's names; they choose for a passthrough file system only. */
    static String migrationMode(Arguments parsed) throws UsageException {
        String value = parsed.value("migration-mode").orElse("find-paths");
        if (!value.equals("find-paths") && !value.equals("file-handles")) {
            throw new UsageException("--migration-mode is find-paths or file-handles, not " + value);
        }
        return value;
    }

    static int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, CommandFailure {
        Arguments parsed = Arguments.parse(args, WITH_VALUE, FLAGS);
        if (parsed.flag("help")) {
            out.print(usage());
            return 0;
        }
        LogSetup.apply(LogSetup.parse(parsed.value("log-level").orElse("info")));
        if (!parsed.positional().isEmpty()) {
            throw new UsageException("serve takes no arguments besides options, not " + parsed.positional());
        }
        if (parsed.value("socket-path").isPresent() == parsed.value("fd").isPresent()) {
            throw new UsageException("serve needs exactly one of --socket-path PATH and --fd FD");
        }
        FileSystem fs = MountCommand.fileSystem(parsed);
        if (parsed.flag("readonly")) {
            fs = new ReadOnlyFileSystem(fs);
        }
        if (parsed.value("test-gate").isPresent()) {
            fs = new TestGate(fs, parsed.secondsValue("test-gate", Duration.ofSeconds(30)));
        }
        String migrationMode = migrationMode(parsed);
        if (parsed.value("migration-mode").isPresent()) {
            err.println("virtiofs: --migration-mode " + migrationMode + " chooses how a passthrough file system finds"
                    + " its nodes again on a destination; " + MountCommand.describe(parsed)
                    + " sends its whole state in either mode");
        }
        FileSystem served = fs;
        AtomicReference<FuseServer> realServer = new AtomicReference<>();
        VhostUserBackend.Builder builder = VhostUserBackend.builder();
        try {
            builder.tag(parsed.value("tag").orElse("myfs"))
                    .requestQueues(parsed.intValue("num-request-queues", DEFAULT_REQUEST_QUEUES, 1, 1024))
                    .queueSize(parsed.intValue("queue-size", 1024, 1, 32768))
                    .threadPoolSize(parsed.intValue("thread-pool-size", S3Options.selected(parsed) ? 16 : 0, 0, 1024))
                    .reconnect(!parsed.flag("exit-on-disconnect"))
                    .acceptUnsealedMemory(parsed.flag("accept-unsealed-memory"))
                    .migrationOnError(migrationOnError(parsed))
                    .handlerFactory(config -> {
                        FuseServer server = new FuseServer(served, config);
                        realServer.set(server);
                        return server;
                    });
            if (parsed.value("socket-path").isPresent()) {
                builder.socketPath(Path.of(parsed.value("socket-path").get()));
            } else {
                builder.listenFd(parsed.intValue("fd", -1, 0, Integer.MAX_VALUE));
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Duration warmUp = parsed.secondsValue("warm-up", Duration.ofSeconds(2));
        VhostUserBackend backend;
        try {
            backend = builder.build();
        } catch (IOException e) {
            throw new CommandFailure(e.getMessage(), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new UsageException(e.getMessage());
        }
        // Registered at once: from here the socket exists, and a signal must remove it.
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            stopped.set(true);
            backend.close();
        };
        StopSignals.onStop(stop, err);
        Thread hook = new Thread(stop, "virtiofs-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        // Throwaway memfs sessions through the device model on a background thread, so that the
        // codecs, the server and memfs are compiled at their last tier by the time the guest, still
        // booting, sends its first requests. Interpreted, a cold READDIR of a few thousand entries
        // took twice as long as the C virtiofsd's; compiled for other shapes (one descriptor per
        // body, one request in flight), the code was thrown away and compiled again during a
        // guest's first 1 GiB of writes, which then ran at half the speed of later ones; left at
        // C1's second tier by compilers short of CPU, it served a guest's first seconds of 4 KiB
        // reads. It ends early once the guest's session has begun.
        GuestWarmUp.startInBackground(MemFs::new, warmUp, () -> {
            FuseServer server = realServer.get();
            return server != null && (server.negotiation().isPresent() || server.statistics().totalRequests() > 0
                    || server.stateLoadBegun());
        });
        err.println("virtiofs: serving " + MountCommand.describe(parsed)
                + (parsed.flag("readonly") ? " (read-only)" : "") + " as vhost-user-fs tag "
                + parsed.value("tag").orElse("myfs") + " on "
                + backend.socketPath().map(Path::toString).orElse("fd " + parsed.value("fd").orElse("?")));
        try {
            backend.serve();
        } catch (IllegalStateException e) {
            if (!stopped.get()) {
                throw e;
            }
            // A stop signal came before serving began: the back-end is closed, which is what it asked.
        } catch (IOException e) {
            backend.close();
            throw new CommandFailure("the vhost-user back-end stopped: " + e.getMessage(), e);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is closing the back-end.
            }
        }
        backend.close();
        MountCommand.closeFileSystem(served);
        return 0;
    }
}
