package io.virtiofs.examples.cli;

import io.virtiofs.examples.memfs.MemFs;
import io.virtiofs.testkit.warmup.GuestWarmUp;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * {@code virtiofs selftest}: the testkit's {@link GuestWarmUp} session on memfs, then on the
 * passthrough file system over a scratch directory ({@link PassthroughWarmUp}), with every reply
 * checked — a whole virtio-fs session in this process, in both byte orders, through the device and
 * real split virtqueues. Needs no VM, no root, no /dev/fuse; the build also uses it as the
 * training run of the JVM's ahead-of-time cache (faster start).
 */
final class SelfTestCommand {

    private static final Set<String> WITH_VALUE = Set.of("seconds");
    private static final Set<String> FLAGS = Set.of("help", "quiet");

    private SelfTestCommand() {
    }

    static String usage() {
        return """
                usage: virtiofs selftest [--seconds N] [--quiet]

                Runs memfs through the virtio-fs device and real split virtqueues in this process
                (INIT, MKDIR, MKNOD, CREATE, FALLOCATE, WRITE, READ, GETATTR, LOOKUP, OPEN, FLUSH,
                RELEASE, OPENDIR, READDIR, READDIRPLUS, RENAME, UNLINK, RMDIR, STATFS, DESTROY),
                in both byte orders, for N seconds (default 2), checking every reply. Requests
                come as a Linux guest sends them: bodies in 4 KiB descriptors behind indirect
                tables, 1 MiB reads and writes 8 at a time, 4 KiB ones 16 at a time.
                Exit status 0 when everything checked out.
                """;
    }

    static int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, CommandFailure {
        Arguments parsed = Arguments.parse(args, WITH_VALUE, FLAGS);
        if (parsed.flag("help")) {
            out.print(usage());
            return 0;
        }
        LogSetup.apply(LogSetup.parse("warn"));
        Duration budget = parsed.secondsValue("seconds", Duration.ofSeconds(2));
        long requests;
        long started = System.nanoTime();
        try {
            requests = GuestWarmUp.run(MemFs::new, budget.dividedBy(2));
            requests += PassthroughWarmUp.run(budget.dividedBy(2), Path.of(System.getProperty("java.io.tmpdir")));
        } catch (IOException e) {
            throw new CommandFailure("selftest: the passthrough session could not make its directory: " + e.getMessage(), e);
        } catch (TimeoutException e) {
            throw new CommandFailure("selftest: the device did not answer: " + e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new CommandFailure("selftest FAILED: " + e.getMessage(), e);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        if (!parsed.flag("quiet")) {
            out.printf("selftest: OK, %d requests through the virtqueues in %.1f s (%.0f/s), both byte orders%n",
                    requests, seconds, requests / seconds);
        }
        return 0;
    }
}
