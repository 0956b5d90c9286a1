package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * System calls on names relative to a directory descriptor ({@code *at(2)}): open a name without
 * leaving the directory ({@code openat2} with {@code RESOLVE_BENEATH}), stat, create, link,
 * remove, rename, change owner, mode and times; file handles; directory entries.
 *
 * <p>Names are NUL-terminated native segments the caller filled (a passthrough file system keeps
 * one per thread), so the calls allocate nothing; the structs they need ({@code open_how},
 * {@code timespec[2]}) live in a per-thread segment. A failure throws a
 * {@link NativeException#unrecorded stack-less} {@link NativeException}: most are answers to a
 * FUSE request (ENOENT, EEXIST, ENOTEMPTY), not faults.
 */
public final class NodeCalls {

    /** {@code AT_FDCWD}. */
    public static final int AT_FDCWD = -100;
    /** {@code AT_SYMLINK_NOFOLLOW}. */
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    /** {@code AT_REMOVEDIR} (unlinkat). */
    public static final int AT_REMOVEDIR = 0x200;
    /** {@code AT_SYMLINK_FOLLOW} (linkat). */
    public static final int AT_SYMLINK_FOLLOW = 0x400;
    /** {@code AT_EMPTY_PATH}: operate on the descriptor itself. */
    public static final int AT_EMPTY_PATH = 0x1000;

    /** {@code O_PATH}. */
    public static final int O_PATH = 010000000;
    /** {@code O_NOFOLLOW}. */
    public static final int O_NOFOLLOW = 0400000;
    /** {@code O_CLOEXEC}. */
    public static final int O_CLOEXEC = 02000000;
    /** {@code O_DIRECTORY}. */
    public static final int O_DIRECTORY = 0200000;
    /** {@code O_CREAT}. */
    public static final int O_CREAT = 0100;
    /** {@code O_EXCL}. */
    public static final int O_EXCL = 0200;

    /** {@code RESOLVE_NO_XDEV}: stay on the starting mount. */
    public static final long RESOLVE_NO_XDEV = 0x01;
    /** {@code RESOLVE_NO_MAGICLINKS}: no {@code /proc/PID/fd}-style jumps. */
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;
    /** {@code RESOLVE_NO_SYMLINKS}: no symbolic links at all (a trailing one with O_PATH|O_NOFOLLOW is opened itself). */
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    /** {@code RESOLVE_BENEATH}: never leave the starting directory. */
    public static final long RESOLVE_BENEATH = 0x08;

    /** {@code RENAME_NOREPLACE}. */
    public static final int RENAME_NOREPLACE = 1;
    /** {@code RENAME_EXCHANGE}. */
    public static final int RENAME_EXCHANGE = 2;
    /** {@code RENAME_WHITEOUT}. */
    public static final int RENAME_WHITEOUT = 4;

    /** {@code UTIME_NOW}: set the time to now. */
    public static final long UTIME_NOW = (1L << 30) - 1;
    /** {@code UTIME_OMIT}: leave the time alone. */
    public static final long UTIME_OMIT = (1L << 30) - 2;

    /** {@code MAX_HANDLE_SZ}: the largest file handle. */
    public static final int MAX_HANDLE_SIZE = 128;

    private static final long SYS_OPENAT2 = 437; // the same on x86-64 and aarch64
    private static final int OPEN_HOW_SIZE = 24;
    private static final int SCRATCH = 256;

    private static final MethodHandle SYSCALL_OPENAT2 = NativeLinker.downcallVariadic("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG), 1);
    private static final MethodHandle OPENAT = NativeLinker.downcallVariadic("openat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 3);
    private static final MethodHandle STATX = NativeLinker.downcall("statx",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle READLINKAT = NativeLinker.downcall("readlinkat",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle MKNODAT = NativeLinker.downcall("mknodat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MKDIRAT = NativeLinker.downcall("mkdirat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SYMLINKAT = NativeLinker.downcall("symlinkat",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle LINKAT = NativeLinker.downcall("linkat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle UNLINKAT = NativeLinker.downcall("unlinkat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RENAMEAT2 = NativeLinker.downcall("renameat2",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FCHOWNAT = NativeLinker.downcall("fchownat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHMODAT = NativeLinker.downcall("fchmodat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHMOD = NativeLinker.downcall("fchmod",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle UTIMENSAT = NativeLinker.downcall("utimensat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle NAME_TO_HANDLE_AT = NativeLinker.downcall("name_to_handle_at",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle OPEN_BY_HANDLE_AT = NativeLinker.downcall("open_by_handle_at",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FACCESSAT = NativeLinker.downcall("faccessat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETDENTS64 = NativeLinker.downcall("getdents64",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    /** Per thread: open_how at 0, timespec[2] at 32, the file handle's mount id at 64, a handle at 128. */
    private static final ThreadLocal<MemorySegment> SCRATCH_SEGMENT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SCRATCH + MAX_HANDLE_SIZE, 8));
    private static final MemorySegment EMPTY = Arena.global().allocateFrom("");

    private NodeCalls() {
    }

    /** The C string {@code ""}, for {@link #AT_EMPTY_PATH} calls. */
    public static MemorySegment emptyPath() {
        return EMPTY;
    }

    /**
     * {@code openat2(dirfd, name, {flags, mode, resolve})}: opens {@code name} relative to
     * {@code dirfd} under the {@code RESOLVE_*} rules.
     *
     * @return the new descriptor
     */
    public static int openat2(int dirfd, MemorySegment name, int flags, int mode, long resolve) throws NativeException {
        MemorySegment how = SCRATCH_SEGMENT.get();
        how.set(JAVA_LONG, 0, flags & 0xffff_ffffL);
        how.set(JAVA_LONG, 8, mode & 0xffff_ffffL);
        how.set(JAVA_LONG, 16, resolve);
        MemorySegment state = NativeLinker.callState();
        long fd;
        try {
            fd = (long) SYSCALL_OPENAT2.invokeExact(state, SYS_OPENAT2, (long) dirfd, name, how, (long) OPEN_HOW_SIZE);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("openat2", t);
        }
        if (fd < 0) {
            throw fail("openat2", state);
        }
        return (int) fd;
    }

    /** {@code openat(dirfd, name, flags, mode)}; returns the new descriptor. */
    public static int openat(int dirfd, MemorySegment name, int flags, int mode) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int fd;
        try {
            fd = (int) OPENAT.invokeExact(state, dirfd, name, flags, mode);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("openat", t);
        }
        if (fd < 0) {
            throw fail("openat", state);
        }
        return fd;
    }

    /** {@code statx(dirfd, name, flags, mask, out)}. */
    public static void statx(int dirfd, MemorySegment name, int flags, int mask, StatxBuffer out) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) STATX.invokeExact(state, dirfd, name, flags, mask, out.segment());
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("statx", t);
        }
        check(result, "statx", state);
    }

    /**
     * {@code readlinkat(dirfd, name, buffer, size)}.
     *
     * @return the number of bytes of the target placed at the start of {@code buffer} (no NUL);
     *     equal to the buffer's size when the target may have been cut short
     */
    public static int readlinkat(int dirfd, MemorySegment name, MemorySegment buffer) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        long length;
        try {
            length = (long) READLINKAT.invokeExact(state, dirfd, name, buffer, buffer.byteSize());
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("readlinkat", t);
        }
        if (length < 0) {
            throw fail("readlinkat", state);
        }
        return (int) length;
    }

    /** {@code mknodat(dirfd, name, mode, dev)}. */
    public static void mknodat(int dirfd, MemorySegment name, int mode, long dev) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) MKNODAT.invokeExact(state, dirfd, name, mode, dev);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("mknodat", t);
        }
        check(result, "mknodat", state);
    }

    /** {@code mkdirat(dirfd, name, mode)}. */
    public static void mkdirat(int dirfd, MemorySegment name, int mode) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) MKDIRAT.invokeExact(state, dirfd, name, mode);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("mkdirat", t);
        }
        check(result, "mkdirat", state);
    }

    /** {@code symlinkat(target, dirfd, name)}. */
    public static void symlinkat(MemorySegment target, int dirfd, MemorySegment name) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) SYMLINKAT.invokeExact(state, target, dirfd, name);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("symlinkat", t);
        }
        check(result, "symlinkat", state);
    }

    /** {@code linkat(olddirfd, oldname, newdirfd, newname, flags)}. */
    public static void linkat(int olddirfd, MemorySegment oldname, int newdirfd, MemorySegment newname, int flags)
            throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) LINKAT.invokeExact(state, olddirfd, oldname, newdirfd, newname, flags);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("linkat", t);
        }
        check(result, "linkat", state);
    }

    /** {@code unlinkat(dirfd, name, flags)} ({@link #AT_REMOVEDIR} for a directory). */
    public static void unlinkat(int dirfd, MemorySegment name, int flags) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) UNLINKAT.invokeExact(state, dirfd, name, flags);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("unlinkat", t);
        }
        check(result, "unlinkat", state);
    }

    /** {@code renameat2(olddirfd, oldname, newdirfd, newname, flags)}. */
    public static void renameat2(int olddirfd, MemorySegment oldname, int newdirfd, MemorySegment newname, int flags)
            throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) RENAMEAT2.invokeExact(state, olddirfd, oldname, newdirfd, newname, flags);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("renameat2", t);
        }
        check(result, "renameat2", state);
    }

    /** {@code fchownat(dirfd, name, uid, gid, flags)}; -1 leaves an id alone. */
    public static void fchownat(int dirfd, MemorySegment name, int uid, int gid, int flags) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FCHOWNAT.invokeExact(state, dirfd, name, uid, gid, flags);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("fchownat", t);
        }
        check(result, "fchownat", state);
    }

    /** {@code fchmodat(dirfd, name, mode, 0)}: follows a trailing link, as chmod does. */
    public static void fchmodat(int dirfd, MemorySegment name, int mode) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FCHMODAT.invokeExact(state, dirfd, name, mode, 0);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("fchmodat", t);
        }
        check(result, "fchmodat", state);
    }

    /** {@code fchmod(fd, mode)} on an open (not O_PATH) descriptor. */
    public static void fchmod(int fd, int mode) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FCHMOD.invokeExact(state, fd, mode);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("fchmod", t);
        }
        check(result, "fchmod", state);
    }

    /**
     * {@code utimensat(dirfd, name, times, flags)}: nanoseconds may be {@link #UTIME_NOW} or
     * {@link #UTIME_OMIT}.
     */
    public static void utimensat(int dirfd, MemorySegment name, long atimeSec, long atimeNsec, long mtimeSec,
                                 long mtimeNsec, int flags) throws NativeException {
        MemorySegment times = SCRATCH_SEGMENT.get().asSlice(32, 32);
        times.set(JAVA_LONG, 0, atimeSec);
        times.set(JAVA_LONG, 8, atimeNsec);
        times.set(JAVA_LONG, 16, mtimeSec);
        times.set(JAVA_LONG, 24, mtimeNsec);
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) UTIMENSAT.invokeExact(state, dirfd, name, times, flags);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("utimensat", t);
        }
        check(result, "utimensat", state);
    }

    /**
     * {@code name_to_handle_at(dirfd, name, handle, &mount_id, flags)}: the node's file handle.
     *
     * @throws NativeException EOPNOTSUPP when the file system has no file handles
     */
    public static HostFileHandle nameToHandleAt(int dirfd, MemorySegment name, int flags) throws NativeException {
        MemorySegment scratch = SCRATCH_SEGMENT.get();
        MemorySegment handle = scratch.asSlice(SCRATCH - 8, MAX_HANDLE_SIZE + 8);
        MemorySegment mountId = scratch.asSlice(64, 4);
        handle.set(JAVA_INT, 0, MAX_HANDLE_SIZE);
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) NAME_TO_HANDLE_AT.invokeExact(state, dirfd, name, handle, mountId, flags);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("name_to_handle_at", t);
        }
        check(result, "name_to_handle_at", state);
        int bytes = handle.get(JAVA_INT, 0);
        if (bytes < 0 || bytes > MAX_HANDLE_SIZE) {
            throw new IllegalStateException("name_to_handle_at answered a handle of " + bytes + " bytes");
        }
        return new HostFileHandle(handle.get(JAVA_INT, 4), handle.asSlice(8, bytes).toArray(ValueLayout.JAVA_BYTE),
                mountId.get(JAVA_INT, 0));
    }

    /** {@code open_by_handle_at(mountFd, handle, flags)} (needs CAP_DAC_READ_SEARCH); the new descriptor. */
    public static int openByHandleAt(int mountFd, HostFileHandle handle, int flags) throws NativeException {
        MemorySegment scratch = SCRATCH_SEGMENT.get().asSlice(SCRATCH - 8, MAX_HANDLE_SIZE + 8);
        scratch.set(JAVA_INT, 0, handle.length());
        scratch.set(JAVA_INT, 4, handle.type());
        handle.copyTo(scratch.asSlice(8, handle.length()));
        MemorySegment state = NativeLinker.callState();
        int fd;
        try {
            fd = (int) OPEN_BY_HANDLE_AT.invokeExact(state, mountFd, scratch, flags);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("open_by_handle_at", t);
        }
        if (fd < 0) {
            throw fail("open_by_handle_at", state);
        }
        return fd;
    }

    /**
     * {@code getdents64(fd, buffer, size)}: directory entries ({@code struct linux_dirent64}) from
     * the descriptor's position.
     *
     * @return the bytes filled; 0 at the end of the directory
     */
    public static int getdents64(int fd, MemorySegment buffer) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        long length;
        try {
            length = (long) GETDENTS64.invokeExact(state, fd, buffer, buffer.byteSize());
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("getdents64", t);
        }
        if (length < 0) {
            throw fail("getdents64", state);
        }
        return (int) length;
    }

    /** {@code AT_EACCESS}: check with the effective ids (faccessat). */
    public static final int AT_EACCESS = 0x200;

    /** {@code faccessat(dirfd, name, mode, flags)}: throws EACCES (and the like) when {@code mode} is not granted. */
    public static void faccessat(int dirfd, MemorySegment name, int mode, int flags) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FACCESSAT.invokeExact(state, dirfd, name, mode, flags);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("faccessat", t);
        }
        check(result, "faccessat", state);
    }

    static void check(int result, String call, MemorySegment state) throws NativeException {
        if (result < 0) {
            throw fail(call, state);
        }
    }

    static NativeException fail(String call, MemorySegment state) {
        return NativeException.unrecorded(call, NativeLinker.errno(state));
    }
}
