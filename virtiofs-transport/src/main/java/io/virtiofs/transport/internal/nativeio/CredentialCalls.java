package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The calling thread's credentials and file-system context, through the raw system calls.
 *
 * <p>glibc's {@code setresuid}, {@code setresgid} and {@code setgroups} change every thread of
 * the process (POSIX wants process-wide credentials, so glibc signals each thread to make the
 * call too). The kernel's calls change only the calling thread: a server acting as one caller
 * on one thread must use those, or a request on another thread would run with the wrong
 * identity. {@link #unshareFileSystemContext()} gives the thread its own umask and working
 * directory the same way.
 */
public final class CredentialCalls {

    private static final long SYS_SETGROUPS;
    private static final long SYS_SETRESUID;
    private static final long SYS_SETRESGID;
    private static final int CLONE_FS = 0x200;

    static {
        switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> {
                SYS_SETGROUPS = 116;
                SYS_SETRESUID = 117;
                SYS_SETRESGID = 119;
            }
            case "aarch64" -> {
                SYS_SETGROUPS = 159;
                SYS_SETRESUID = 147;
                SYS_SETRESGID = 149;
            }
            default -> {
                SYS_SETGROUPS = -1;
                SYS_SETRESUID = -1;
                SYS_SETRESGID = -1;
            }
        }
    }

    private static final MethodHandle SYSCALL3 = NativeLinker.downcallVariadic("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    private static final MethodHandle SYSCALL_POINTER = NativeLinker.downcallVariadic("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), 1);
    private static final MethodHandle UNSHARE = NativeLinker.downcall("unshare",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHDIR = NativeLinker.downcall("fchdir",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle UMASK = NativeLinker.downcall("umask",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private CredentialCalls() {
    }

    /** Whether this architecture's system call numbers are known here (x86-64, aarch64). */
    public static boolean supported() {
        return SYS_SETGROUPS > 0;
    }

    /** The raw {@code setresuid(ruid, euid, suid)} for the calling thread only; -1 keeps an id. */
    public static void setresuid(int ruid, int euid, int suid) throws NativeException {
        syscall3(SYS_SETRESUID, ruid, euid, suid, "setresuid");
    }

    /** The raw {@code setresgid(rgid, egid, sgid)} for the calling thread only; -1 keeps an id. */
    public static void setresgid(int rgid, int egid, int sgid) throws NativeException {
        syscall3(SYS_SETRESGID, rgid, egid, sgid, "setresgid");
    }

    /**
     * The raw {@code setgroups(count, list)} for the calling thread only: {@code list} holds
     * {@code count} {@code gid_t}s (ignored when {@code count} is 0).
     */
    public static void setgroups(int count, MemorySegment list) throws NativeException {
        requireSupported();
        MemorySegment state = NativeLinker.callState();
        long result;
        try {
            result = (long) SYSCALL_POINTER.invokeExact(state, SYS_SETGROUPS, (long) count, list);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("setgroups", t);
        }
        if (result < 0) {
            throw NodeCalls.fail("setgroups", state);
        }
    }

    /**
     * {@code unshare(CLONE_FS)}: the calling thread gets its own root, working directory and
     * umask (copies of the process's), which it can then change alone.
     */
    public static void unshareFileSystemContext() throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) UNSHARE.invokeExact(state, CLONE_FS);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("unshare", t);
        }
        NodeCalls.check(result, "unshare(CLONE_FS)", state);
    }

    /** {@code fchdir(fd)}: the working directory (of the thread, after {@link #unshareFileSystemContext()}). */
    public static void fchdir(int fd) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FCHDIR.invokeExact(state, fd);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("fchdir", t);
        }
        NodeCalls.check(result, "fchdir", state);
    }

    /** {@code umask(mask)}: sets the umask and returns the previous one (cannot fail). */
    public static int umask(int mask) {
        try {
            return (int) UMASK.invokeExact(NativeLinker.callState(), mask);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("umask", t);
        }
    }

    private static void syscall3(long number, int a, int b, int c, String name) throws NativeException {
        requireSupported();
        MemorySegment state = NativeLinker.callState();
        long result;
        try {
            // An id of -1 ("unchanged") must reach the kernel as (uid_t) -1: the low 32 bits.
            result = (long) SYSCALL3.invokeExact(state, number, a & 0xffff_ffffL, b & 0xffff_ffffL, c & 0xffff_ffffL);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug(name, t);
        }
        if (result < 0) {
            throw NodeCalls.fail(name, state);
        }
    }

    private static void requireSupported() {
        if (!supported()) {
            throw new IllegalStateException("no system call numbers for the architecture " + System.getProperty("os.arch"));
        }
    }
}
