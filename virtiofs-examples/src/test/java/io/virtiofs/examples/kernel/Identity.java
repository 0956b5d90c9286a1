package io.virtiofs.examples.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A caller other than root, played by one thread of this JVM: a fresh platform thread sets its
 * own file-system uid and gid ({@code setfsuid}, {@code setfsgid}) and supplementary groups (the
 * raw {@code setgroups} system call, which unlike glibc's wrapper changes only the calling thread)
 * and runs the body. The kernel takes the FUSE request's uid and gid from the file-system ids,
 * and its own permission checks use them; dropping fsuid 0 also drops the file capabilities
 * ({@code CAP_DAC_OVERRIDE}, {@code CAP_FOWNER}, {@code CAP_FSETID}, ...), as capabilities(7)
 * says. The thread ends with the body, so nothing is left to restore.
 *
 * @param uid the file-system user id
 * @param gid the file-system group id
 * @param groups the supplementary groups
 */
record Identity(int uid, int gid, List<Integer> groups) {

    private static final MethodHandle SETFSUID = LibC.function("setfsuid", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETFSGID = LibC.function("setfsgid", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SYSCALL = LibC.variadic("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), 1);

    Identity {
        groups = List.copyOf(groups);
    }

    /** uid and gid with the given supplementary groups. */
    static Identity of(int uid, int gid, Integer... groups) {
        return new Identity(uid, gid, List.of(groups));
    }

    /** The number of {@code setgroups} on this machine's architecture. */
    private static long setgroupsNumber() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 116;
            case "aarch64" -> 159;
            default -> throw new IllegalStateException("no setgroups number for " + System.getProperty("os.arch"));
        };
    }

    /** Whether threads can take on an identity here (a known architecture). */
    static boolean supported() {
        String arch = System.getProperty("os.arch");
        return arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64");
    }

    /** Runs {@code body} on a new thread acting as this identity and returns what it returns. */
    <T> T call(Callable<T> body) throws Exception {
        FutureTask<T> task = new FutureTask<>(() -> {
            become();
            return body.call();
        });
        Thread thread = Thread.ofPlatform().name("as-uid-" + uid).start(task);
        try {
            return task.get();
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case Exception cause -> throw cause;
                case Error cause -> throw cause; // assertion failures of the body
                case null, default -> throw e;
            }
        } finally {
            thread.join();
        }
    }

    /** A body that may throw. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} on a new thread acting as this identity. */
    void run(Body body) throws Exception {
        call(() -> {
            body.run();
            return null;
        });
    }

    private void become() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = arena.allocate(JAVA_INT, Math.max(1, groups.size()));
            for (int i = 0; i < groups.size(); i++) {
                list.setAtIndex(JAVA_INT, i, groups.get(i));
            }
            LibC.call(SYSCALL, "setgroups", setgroupsNumber(), (long) groups.size(), list);
        }
        // Both answer the previous id, never an error: the result is checked through /proc.
        LibC.call(SETFSGID, "setfsgid " + gid, gid);
        LibC.call(SETFSUID, "setfsuid " + uid, uid);
        List<String> status = Files.readAllLines(Path.of("/proc/thread-self/status"));
        String expectedUid = "Uid:\t0\t0\t0\t" + uid;
        String expectedGid = "Gid:\t0\t0\t0\t" + gid;
        if (!status.contains(expectedUid) || !status.contains(expectedGid)) {
            throw new IllegalStateException("the thread did not take on uid " + uid + " gid " + gid + ": " + status);
        }
    }
}
