package io.virtiofs.examples.cli;

import io.virtiofs.api.FileSystem;
import io.virtiofs.api.ReadOnlyFileSystem;
import io.virtiofs.transport.vhostuser.VhostUserBackend;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * {@code virtiofs serve}: serves a file system to a virtual machine as a vhost-user-fs device.
 * Flags that mean what virtiofsd's mean carry virtiofsd's names, so the daemon can be swapped in.
 */
final class ServeCommand {

    private static final System.Logger LOG = System.getLogger(ServeCommand.class.getName());
    private static final Set<String> WITH_VALUE = Set.of("socket-path", "fd", "fs", "tag", "thread-pool-size", "queues",
            "queue-size", "log-level", "attr-timeout", "entry-timeout", "capacity", "warm-up", "zip");
    private static final Set<String> FLAGS = Set.of("help", "readonly", "exit-on-disconnect", "accept-unsealed-memory");

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
                  --zip FILE              serve the ZIP archive FILE read-only instead
                  --tag TAG               the tag the guest mounts (default myfs; 1..36 bytes)
                  --thread-pool-size N    threads running requests (default 0: each queue's own thread)
                  --queues N              request queues offered besides hiprio (default 1)
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
                  --warm-up SECONDS       run a throwaway in-process session at start so the JIT
                                          has compiled the request path before the guest's first
                                          requests (default 2; 0 skips it)
                  --log-level LEVEL       off, error, warn, info (default), debug, trace
                  --help                  this text
                """;
    }

    /**
     * Exercises a throwaway memfs through the device model for {@code budget} on a background
     * thread (the selftest's sessions, with requests shaped as a Linux guest shapes them), so that
     * the codecs, the server and memfs are compiled by the time the guest, still booting, sends
     * its first requests. Interpreted, a cold READDIR of a few thousand entries took twice as long
     * as the C virtiofsd's; compiled for other shapes (one descriptor per body, one request in
     * flight), the code was thrown away and compiled again during a guest's first 1 GiB of writes,
     * which then ran at half the speed of later ones.
     */
    private static void warmUp(Duration budget) {
        if (budget.isZero()) {
            return;
        }
        Thread.ofPlatform().name("virtiofs-warm-up").daemon(true).start(() -> {
            long started = System.nanoTime();
            try {
                long requests = SelfTestCommand.exercise(budget);
                LOG.log(Level.DEBUG, () -> "warm-up: " + requests + " requests in "
                        + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
            } catch (TimeoutException | RuntimeException e) {
                LOG.log(Level.WARNING, "the warm-up session failed (serving goes on)", e);
            }
        });
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
        FileSystem served = fs;
        VhostUserBackend.Builder builder = VhostUserBackend.builder();
        try {
            builder.tag(parsed.value("tag").orElse("myfs"))
                    .requestQueues(parsed.intValue("queues", 1, 1, 1024))
                    .queueSize(parsed.intValue("queue-size", 1024, 1, 32768))
                    .threadPoolSize(parsed.intValue("thread-pool-size", 0, 0, 1024))
                    .reconnect(!parsed.flag("exit-on-disconnect"))
                    .acceptUnsealedMemory(parsed.flag("accept-unsealed-memory"))
                    .fileSystem(served);
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
        // SIGINT and SIGTERM close the back-end (the socket file removed) and end the command with
        // status 0; the start line comes once they do.
        String startLine = "virtiofs: serving " + MountCommand.servedName(parsed)
                + (parsed.flag("readonly") ? " (read-only)" : "") + " as vhost-user-fs tag "
                + parsed.value("tag").orElse("myfs") + " on "
                + backend.socketPath().map(Path::toString).orElse("fd " + parsed.value("fd").orElse("?"));
        try {
            backend.runUntilStopped(() -> {
                err.println(startLine);
                warmUp(warmUp);
            });
        } catch (IOException e) {
            throw new CommandFailure("the vhost-user back-end stopped: " + e.getMessage(), e);
        }
        return 0;
    }
}
