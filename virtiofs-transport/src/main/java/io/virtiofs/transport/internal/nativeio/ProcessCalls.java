package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Process-wide settings: the open file limit ({@code getrlimit}/{@code setrlimit} of
 * {@code RLIMIT_NOFILE}), {@code chroot(2)} and {@code chdir(2)}.
 */
public final class ProcessCalls {

    private static final int RLIMIT_NOFILE = 7;

    private static final MethodHandle GETRLIMIT = NativeLinker.downcall("getrlimit",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SETRLIMIT = NativeLinker.downcall("setrlimit",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CHROOT = NativeLinker.downcall("chroot",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle CHDIR = NativeLinker.downcall("chdir",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private ProcessCalls() {
    }

    /** A resource limit: the soft limit (enforced) and the hard limit (its ceiling). */
    public record Limit(long soft, long hard) {
    }

    /** {@code getrlimit(RLIMIT_NOFILE)}. */
    public static Limit openFileLimit() throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limit = arena.allocate(16, 8);
            MemorySegment state = NativeLinker.callState();
            int result;
            try {
                result = (int) GETRLIMIT.invokeExact(state, RLIMIT_NOFILE, limit);
            } catch (Throwable t) {
                throw NativeLinker.linkageBug("getrlimit", t);
            }
            if (result < 0) {
                throw NativeLinker.failure("getrlimit", state);
            }
            return new Limit(limit.get(JAVA_LONG, 0), limit.get(JAVA_LONG, 8));
        }
    }

    /** {@code setrlimit(RLIMIT_NOFILE, {soft, hard})}. */
    public static void openFileLimit(Limit value) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limit = arena.allocate(16, 8);
            limit.set(JAVA_LONG, 0, value.soft());
            limit.set(JAVA_LONG, 8, value.hard());
            MemorySegment state = NativeLinker.callState();
            int result;
            try {
                result = (int) SETRLIMIT.invokeExact(state, RLIMIT_NOFILE, limit);
            } catch (Throwable t) {
                throw NativeLinker.linkageBug("setrlimit", t);
            }
            if (result < 0) {
                throw NativeLinker.failure("setrlimit", state);
            }
        }
    }

    /** {@code chroot(path)} then {@code chdir("/")}: the process's root becomes {@code path}. */
    public static void chroot(String path) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeLinker.callState();
            int result;
            try {
                result = (int) CHROOT.invokeExact(state, arena.allocateFrom(path));
            } catch (Throwable t) {
                throw NativeLinker.linkageBug("chroot", t);
            }
            if (result < 0) {
                throw NativeLinker.failure("chroot", state);
            }
            try {
                result = (int) CHDIR.invokeExact(state, arena.allocateFrom("/"));
            } catch (Throwable t) {
                throw NativeLinker.linkageBug("chdir", t);
            }
            if (result < 0) {
                throw NativeLinker.failure("chdir", state);
            }
        }
    }
}
