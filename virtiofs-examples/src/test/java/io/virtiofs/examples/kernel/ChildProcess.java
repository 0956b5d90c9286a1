package io.virtiofs.examples.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A standard tool run as a child process ({@code mknod}, {@code stat}, {@code flock}, {@code du},
 * {@code perl}, ...), optionally as another user through {@code setpriv}; its output is captured
 * in files under the test's /tmp directory, so a chatty child never blocks on a full pipe.
 */
final class ChildProcess {

    static final int SIGINT = 2;

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);
    private static final MethodHandle KILL = LibC.function("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private final Process process;
    private final List<String> command;
    private final Path stdout;
    private final Path stderr;

    private ChildProcess(Process process, List<String> command, Path stdout, Path stderr) {
        this.process = process;
        this.command = command;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** What a finished child left: its exit status (128 + signal when killed) and its output. */
    record Result(List<String> command, int exitStatus, String stdout, String stderr) {

        /** Throws unless the child exited with 0; the message has everything it printed. */
        Result requireSuccess() {
            if (exitStatus != 0) {
                throw new AssertionError(this.toString());
            }
            return this;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " exited with " + exitStatus + "; stdout: " + stdout.strip()
                    + "; stderr: " + stderr.strip();
        }
    }

    /** Starts {@code command}. */
    static ChildProcess start(String... command) {
        return start(List.of(command));
    }

    /** Starts {@code command} as uid {@code uid}, gid {@code gid} and exactly the supplementary {@code groups}. */
    static ChildProcess startAs(Identity identity, String... command) {
        MountPrerequisites.requireCommand("setpriv");
        List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=" + identity.uid(), "--regid=" + identity.gid()));
        full.add(identity.groups().isEmpty() ? "--clear-groups"
                : "--groups=" + identity.groups().stream().map(String::valueOf).collect(Collectors.joining(",")));
        full.addAll(List.of(command));
        return start(full);
    }

    private static ChildProcess start(List<String> command) {
        MountPrerequisites.requireCommand(command.getFirst());
        try {
            Path stdout = Files.createTempFile(Path.of("/tmp"), "kerneltest-out-", ".txt");
            Path stderr = Files.createTempFile(Path.of("/tmp"), "kerneltest-err-", ".txt");
            Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            return new ChildProcess(process, List.copyOf(command), stdout, stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code command} to its end (at most 20 s). */
    static Result run(String... command) {
        return start(command).await(DEFAULT_TIMEOUT);
    }

    /** Runs {@code command} as {@code identity} to its end (at most 20 s). */
    static Result runAs(Identity identity, String... command) {
        return startAs(identity, command).await(DEFAULT_TIMEOUT);
    }

    /** The child's pid. */
    long pid() {
        return process.pid();
    }

    /** Whether the child is still running. */
    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends {@code signal} to the child with {@code kill(2)}. */
    void signal(int signal) {
        LibC.call(KILL, "kill " + process.pid(), (int) process.pid(), signal);
    }

    /** What the child has printed on stdout so far. */
    String outputSoFar() {
        try {
            return Files.readString(stdout, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits at most {@code timeout} for the child to end and returns what it left; a child still
     * running then is killed and the wait fails.
     */
    Result await(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor();
                throw new AssertionError(String.join(" ", command) + " did not end within " + timeout + "; stderr: "
                        + Files.readString(stderr));
            }
            return new Result(command, process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                    Files.readString(stderr, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + command, e);
        } finally {
            if (!process.isAlive()) {
                deleteOutput();
            }
        }
    }

    /** Kills the child if it still runs (clean-up after a failed test). */
    void destroy() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteOutput();
    }

    private void deleteOutput() {
        try {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
