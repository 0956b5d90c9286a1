package io.virtiofs.examples.cli;

import io.virtiofs.api.FileSystem;
import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.protocol.Opcode;
import io.virtiofs.protocol.server.FuseServer;
import io.virtiofs.testkit.warmup.GuestWarmUp;
import io.virtiofs.transport.vhostuser.VhostUserBackend;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code virtiofs serve}: serves a file system to a virtual machine as a vhost-user-fs device.
 * Flags that mean what virtiofsd's mean carry virtiofsd's names, so the daemon can be swapped in.
 */
final class ServeCommand {

    private static final System.Logger LOG = System.getLogger(ServeCommand.class.getName());
    private static final Set<String> WITH_VALUE = MountCommand.union(Set.of("socket-path", "socket", "socket-group",
            "fd", "fs", "tag", "thread-pool-size", "num-request-queues", "queue-size", "log-level", "attr-timeout",
            "entry-timeout", "capacity", "warm-up", "test-gate", "sandbox", "seccomp", "modcaps", "uid-map", "gid-map",
            "cache-size", "dax-timeout", "zip"),
            S3Options.WITH_VALUE, SharedDirOptions.WITH_VALUE);
    /**
     * Request queues served by default. With vhost-user-fs-pci the VMM picks how many a guest uses
     * (QEMU's num-request-queues, which must not exceed this); queues it does not set up cost
     * nothing. Four measured best of 1, 2 and 4 for guests of 1, 2 and 4 vCPUs (BENCHMARKS.md,
     * "Request queues").
     */
    static final int DEFAULT_REQUEST_QUEUES = 4;
    private static final Set<String> FLAGS = MountCommand.union(Set.of("help", "readonly", "exit-on-disconnect",
            "accept-unsealed-memory", "print-capabilities", "syslog", "f", "d"), S3Options.FLAGS, SharedDirOptions.FLAGS);
    /**
     * What {@code --print-capabilities} prints: the JSON object libvirt reads before it starts a
     * vhost-user-fs back-end ({@code separate-options}: it passes options as virtiofsd 1.x names them).
     */
    static final String CAPABILITIES = """
            {
              "type": "fs",
              "features": [
                "separate-options"
              ]
            }""";

    private ServeCommand() {
    }

    static String usage() {
        return """
                usage: virtiofs serve (--socket-path PATH | --fd FD) [--shared-dir DIR] [OPTIONS]

                Serves a file system to a virtual machine as a vhost-user-fs device (virtio-fs,
                device 26): QEMU connects with -chardev socket,path=PATH,id=fs0
                -device vhost-user-fs-pci,chardev=fs0,tag=TAG and the guest runs
                mount -t virtiofs TAG /mnt. With --shared-dir, the host directory DIR is shared,
                as virtiofsd shares it (its flags below carry virtiofsd's names); without, memfs.
                Runs until SIGINT or SIGTERM; when the VMM disconnects, waits for the next one
                (unless --exit-on-disconnect).

                Options:
                  --socket-path PATH      the vhost-user socket to create (must not exist; --socket
                                          is the same)
                  --socket-group GROUP    give the socket to this group (mode 0660)
                  --fd FD                 serve an inherited listening socket instead
                  --fs memfs|passthrough  the file system to serve (default: passthrough with
                                          --shared-dir, else memfs, in memory)
                  --zip FILE              serve the ZIP archive FILE read-only instead
                  --sandbox MODE          namespace (default as root: new mount, PID and network
                                          namespaces whose root holds only the shared directory;
                                          made by bin/virtiofs), chroot (into the shared
                                          directory), none
                  --uid-map :NS:HOST:COUNT:   user ids of the namespace sandbox's user namespace
                  --gid-map :NS:HOST:COUNT:   group ids likewise (made by bin/virtiofs; repeatable)
                  --print-capabilities    print the back-end's capabilities (JSON, for libvirt) and exit
                  --tag TAG               the tag the guest mounts (default myfs; 1..36 bytes)
                  --thread-pool-size N    threads running requests (default 0: each queue's own thread)
                  --num-request-queues N  request queues served besides hiprio, each by its own
                                          thread (default 4): QEMU's vhost-user-fs-pci
                                          num-request-queues may be up to N; a front-end that
                                          sets up fewer is told of as many as it set up
                  --queue-size N          the largest vring size accepted (default 1024)
                  --readonly              refuse every change with EROFS
                  --attr-timeout SECONDS  memfs: how long the guest caches attributes (default 1)
                  --entry-timeout SECONDS memfs: how long the guest caches names (default 1)
                  --capacity BYTES        memfs capacity, e.g. 512M or 4G (default 1G)
                """ + SharedDirOptions.HELP + """
                  --cache-size BYTES      a DAX window of BYTES (a power of two, e.g. 1G; default:
                                          none): shared memory region 0, which QEMU 11.1's
                                          vhost-user-test-device-pci (virtio-id=26) asks for and
                                          the guest maps files into (mount -o dax=always); file
                                          ranges reach it as SHMEM_MAP on the back-end channel.
                                          Without it the guest reads and writes by requests
                  --dax-timeout SECONDS   how long a mapping waits for the VMM's answer before the
                                          guest gets ETIMEDOUT (default 5)
                  --exit-on-disconnect    exit when the VMM disconnects, as virtiofsd does
                  --accept-unsealed-memory
                                          accept guest memory that cannot be sealed against
                                          shrinking (memory-backend-file, a memfd without
                                          sealing); a VMM that shrinks it then resets the device.
                                          Default: refused (memory-backend-memfd is sealed)
                  --warm-up SECONDS       run throwaway in-process sessions at start so the JIT
                                          has compiled the request path before the guest's first
                                          requests: at least SECONDS, then until the compilers
                                          are idle or a guest mounts, at most ten times SECONDS
                                          (default 2; 0 skips)
                  --test-gate SECONDS     test aid: a lookup of a name starting with .gate-hold
                                          waits in the file system until a lookup of .gate-open
                                          or SECONDS pass (off by default)
                  --log-level LEVEL       off, error, warn, info (default), debug, trace (-d: debug)
                  --seccomp, --modcaps, --syslog, -f  accepted for virtiofsd's users; no seccomp
                                          filter is installed, capabilities are not changed, logs
                                          go to stderr
                  --help                  this text
                """ + S3Options.USAGE + """
                With --s3-bucket the default --thread-pool-size is 16: requests that wait on the
                store run on the pool, so small ones are answered while 1 MiB reads are in flight.
                """;
    }

    /**
     * One line at exit on the DAX window's traffic: the guest's SETUPMAPPING and REMOVEMAPPING
     * requests and the SHMEM_MAP / SHMEM_UNMAP requests sent to the VMM (tests read it to know the
     * guest did not fall back to READ and WRITE).
     */
    private static void reportDax(VhostUserBackend backend, @Nullable FuseServer server, PrintStream err) {
        backend.daxBacking().ifPresent(dax -> err.println("virtiofs: dax setupmapping="
                + (server == null ? 0 : server.statistics().requests(Opcode.SETUPMAPPING))
                + " removemapping=" + (server == null ? 0 : server.statistics().requests(Opcode.REMOVEMAPPING))
                + " setupmapping_errors=" + (server == null ? 0 : server.statistics().errors(Opcode.SETUPMAPPING))
                + " shmem_map=" + dax.mapRequests() + " shmem_unmap=" + dax.unmapRequests()
                + " failures=" + dax.failures()));
    }

    static int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, CommandFailure {
        Arguments parsed = Arguments.parse(args, WITH_VALUE, FLAGS, SharedDirOptions.OPTIONAL_VALUE);
        if (parsed.flag("help")) {
            out.print(usage());
            return 0;
        }
        if (parsed.flag("print-capabilities")) {
            out.println(CAPABILITIES);
            return 0;
        }
        LogSetup.apply(LogSetup.parse(parsed.value("log-level").orElse(parsed.flag("d") ? "debug" : "info")));
        if (!parsed.positional().isEmpty()) {
            throw new UsageException("serve takes no arguments besides options, not " + parsed.positional());
        }
        Optional<String> oldName = parsed.value("socket");
        if (parsed.value("socket-path").isPresent() && oldName.isPresent()) {
            throw new UsageException("--socket is the old name of --socket-path; give one of them");
        }
        Optional<String> socketPath = parsed.value("socket-path").or(() -> oldName);
        if (socketPath.isPresent() == parsed.value("fd").isPresent()) {
            throw new UsageException("serve needs exactly one of --socket-path PATH and --fd FD");
        }
        MountCommand.Served served = MountCommand.fileSystem(parsed);
        boolean root = io.virtiofs.passthrough.HostProcess.effectiveUid() == 0;
        Sandbox.Mode sandbox;
        try {
            sandbox = Sandbox.parse(parsed.value("sandbox"), root && served.sharedDir().isPresent());
            if (served.sharedDir().isEmpty() && sandbox != Sandbox.Mode.NONE) {
                throw new UsageException("--sandbox " + sandbox.name().toLowerCase(java.util.Locale.ROOT)
                        + " confines a shared directory; memfs has none (give --shared-dir, or --sandbox none)");
            }
            IdMaps.check(parsed, sandbox);
        } catch (UsageException e) {
            served.close();
            throw e;
        }
        for (String accepted : List.of("seccomp", "modcaps")) {
            if (parsed.value(accepted).isPresent() && !parsed.value(accepted).get().equals("none")) {
                err.println("virtiofs: --" + accepted + " is accepted for virtiofsd's users and has no effect here");
            }
        }
        FileSystem fs = served.fs();
        if (parsed.value("test-gate").isPresent()) {
            fs = new TestGate(fs, parsed.secondsValue("test-gate", Duration.ofSeconds(30)));
        }
        FileSystem gated = fs;
        AtomicReference<FuseServer> realServer = new AtomicReference<>();
        VhostUserBackend.Builder builder = VhostUserBackend.builder();
        try {
            builder.tag(parsed.value("tag").orElse("myfs"))
                    .requestQueues(parsed.intValue("num-request-queues", DEFAULT_REQUEST_QUEUES, 1, 1024))
                    .queueSize(parsed.intValue("queue-size", 1024, 1, 32768))
                    .threadPoolSize(parsed.intValue("thread-pool-size", S3Options.selected(parsed) ? 16 : 0, 0, 1024))
                    .reconnect(!parsed.flag("exit-on-disconnect"))
                    .acceptUnsealedMemory(parsed.flag("accept-unsealed-memory"))
                    .daxWindowSize(parsed.sizeValue("cache-size", 0))
                    .daxReplyTimeout(parsed.secondsValue("dax-timeout", Duration.ofSeconds(5)))
                    .handlerFactory(config -> {
                        FuseServer server = new FuseServer(gated, config);
                        realServer.set(server);
                        return server;
                    });
            if (socketPath.isPresent()) {
                builder.socketPath(Path.of(socketPath.get()));
            } else {
                builder.listenFd(parsed.intValue("fd", -1, 0, Integer.MAX_VALUE));
            }
        } catch (IllegalArgumentException | UsageException e) {
            served.close();
            throw e instanceof UsageException usage ? usage : new UsageException(e.getMessage());
        }
        Duration warmUp = parsed.secondsValue("warm-up", Duration.ofSeconds(2));
        VhostUserBackend backend;
        try {
            backend = builder.build();
        } catch (IOException e) {
            served.close();
            throw new CommandFailure(e.getMessage(), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            served.close();
            throw new UsageException(e.getMessage());
        }
        try {
            if (parsed.value("socket-group").isPresent() && backend.socketPath().isPresent()) {
                giveToGroup(backend.socketPath().get(), parsed.value("socket-group").get());
            }
            if (served.sharedDir().isPresent()) {
                Sandbox.enter(sandbox, served.sharedDir().get());
            }
        } catch (CommandFailure | UsageException e) {
            backend.close();
            served.close();
            throw e;
        }
        String startLine = "virtiofs: serving " + served.description()
                + (parsed.flag("readonly") ? " (read-only)" : "") + " as vhost-user-fs tag "
                + parsed.value("tag").orElse("myfs") + " on "
                + backend.socketPath().map(Path::toString).orElse("fd " + parsed.value("fd").orElse("?"))
                + (served.sharedDir().isPresent() ? " (sandbox " + sandbox.name().toLowerCase(java.util.Locale.ROOT) + ")" : "");
        BooleanSupplier guestArrived = () -> {
            FuseServer server = realServer.get();
            return server != null && (server.negotiation().isPresent() || server.statistics().totalRequests() > 0);
        };
        boolean warmPassthrough = served.sharedDir().isPresent() && sandbox != Sandbox.Mode.CHROOT && !warmUp.isZero();
        // SIGINT and SIGTERM close the back-end (the socket file removed) and end the command with
        // status 0; the start line and the warm-up come once they are handled.
        try {
            backend.runUntilStopped(() -> {
                // Throwaway sessions through the device model on a background thread, so that the
                // codecs, the server and the file system are compiled at their last tier by the time
                // the guest, still booting, sends its first requests. Interpreted, a cold READDIR of
                // a few thousand entries took twice as long as the C virtiofsd's; compiled for other
                // shapes (one descriptor per body, one request in flight), the code was thrown away
                // and compiled again during a guest's first 1 GiB of writes, which then ran at half
                // the speed of later ones; left at C1's second tier by compilers short of CPU, it
                // served a guest's first seconds of 4 KiB reads. It ends early once the guest's
                // session has begun. A shared directory's request paths are warmed too, over a
                // scratch directory of the process's own (in the namespace sandbox, its private
                // /tmp), never the shared one; not in the chroot sandbox, where /tmp is the shared
                // directory's.
                if (warmPassthrough) {
                    Thread.ofPlatform().name("virtiofs-warm-up").daemon(true).start(() -> {
                        try {
                            long requests = PassthroughWarmUp.run(warmUp.dividedBy(2),
                                    Path.of(System.getProperty("java.io.tmpdir")));
                            LOG.log(Level.DEBUG, () -> "warm-up: " + requests + " requests through the passthrough");
                            GuestWarmUp.Result done = GuestWarmUp.runUntilSettled(MemFs::new, warmUp.dividedBy(2),
                                    warmUp.multipliedBy(10), guestArrived);
                            LOG.log(Level.INFO, done::describe);
                        } catch (TimeoutException | IOException | RuntimeException e) {
                            LOG.log(Level.WARNING, "the warm-up session failed (serving goes on)", e);
                        }
                    });
                } else {
                    GuestWarmUp.startInBackground(MemFs::new, warmUp, guestArrived);
                }
                err.println(startLine);
            });
        } catch (IOException e) {
            served.close();
            throw new CommandFailure("the vhost-user back-end stopped: " + e.getMessage(), e);
        }
        reportDax(backend, realServer.get(), err);
        served.close();
        return 0;
    }

    /** {@code --socket-group}: the socket's group becomes {@code group}, its mode 0660. */
    private static void giveToGroup(Path socket, String group) throws CommandFailure {
        try {
            java.nio.file.attribute.GroupPrincipal principal = socket.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName(group);
            java.nio.file.Files.getFileAttributeView(socket, java.nio.file.attribute.PosixFileAttributeView.class)
                    .setGroup(principal);
            java.nio.file.Files.setPosixFilePermissions(socket,
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
        } catch (IOException e) {
            throw new CommandFailure("--socket-group " + group + ": " + e.getMessage(), e);
        }
    }
}
