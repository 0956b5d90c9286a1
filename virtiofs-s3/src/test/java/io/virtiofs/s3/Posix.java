package io.virtiofs.s3;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The system calls the kernel tests make through a mount, each answering its result or
 * {@code -errno}: the tests assert the errno a caller sees, which Java's file API turns into text.
 */
final class Posix {

    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0100;
    static final int O_TRUNC = 01000;
    static final int O_APPEND = 02000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout ADDR = ValueLayout.ADDRESS;

    private static final MethodHandle OPEN = fn("open", FunctionDescriptor.of(INT, ADDR, INT, INT), 2);
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(LONG, INT, ADDR, LONG), -1);
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(LONG, INT, ADDR, LONG), -1);
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(INT, INT), -1);
    private static final MethodHandle FSYNC = fn("fsync", FunctionDescriptor.of(INT, INT), -1);
    private static final MethodHandle LINK = fn("link", FunctionDescriptor.of(INT, ADDR, ADDR), -1);
    private static final MethodHandle SYMLINK = fn("symlink", FunctionDescriptor.of(INT, ADDR, ADDR), -1);
    private static final MethodHandle RENAME = fn("rename", FunctionDescriptor.of(INT, ADDR, ADDR), -1);
    private static final MethodHandle CHMOD = fn("chmod", FunctionDescriptor.of(INT, ADDR, INT), -1);
    private static final MethodHandle MKDIR = fn("mkdir", FunctionDescriptor.of(INT, ADDR, INT), -1);
    private static final MethodHandle RMDIR = fn("rmdir", FunctionDescriptor.of(INT, ADDR), -1);
    private static final MethodHandle UNLINK = fn("unlink", FunctionDescriptor.of(INT, ADDR), -1);
    private static final MethodHandle ACCESS = fn("access", FunctionDescriptor.of(INT, ADDR, INT), -1);

    private Posix() {
    }

    @SuppressWarnings("restricted")
    private static MethodHandle fn(String name, FunctionDescriptor descriptor, int firstVariadic) {
        MemorySegment symbol = LINKER.defaultLookup().find(name).orElseThrow();
        return firstVariadic < 0
                ? LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"))
                : LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"),
                        Linker.Option.firstVariadicArg(firstVariadic));
    }

    private static long result(long value, MemorySegment state) {
        return value >= 0 ? value : -(int) ERRNO.get(state, 0L);
    }

    private static long invoke(MethodHandle handle, Object... args) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            Object[] all = new Object[args.length + 1];
            all[0] = state;
            for (int i = 0; i < args.length; i++) {
                all[i + 1] = args[i] instanceof Path p ? arena.allocateFrom(p.toString()) : args[i];
            }
            Object r = handle.invokeWithArguments(all);
            return result(r instanceof Integer i ? i : (Long) r, state);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int open(Path path, int flags, int mode) {
        return (int) invoke(OPEN, path, flags, mode);
    }

    static int close(int fd) {
        return (int) invoke(CLOSE, fd);
    }

    static int fsync(int fd) {
        return (int) invoke(FSYNC, fd);
    }

    /** Writes all of {@code data}; the first failure's -errno, or the count. */
    static long write(int fd, byte[] data, int length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(length);
            MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, 0, length);
            long done = 0;
            while (done < length) {
                long n = invokeOn(WRITE, fd, buffer.asSlice(done), length - done);
                if (n <= 0) {
                    return n;
                }
                done += n;
            }
            return done;
        }
    }

    /** Reads up to {@code length} bytes into {@code data}; the count or -errno. */
    static long read(int fd, byte[] data, int length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(length);
            long n = invokeOn(READ, fd, buffer, length);
            if (n > 0) {
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, data, 0, (int) n);
            }
            return n;
        }
    }

    private static long invokeOn(MethodHandle handle, int fd, MemorySegment buffer, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            long r = (long) handle.invokeExact(state, fd, buffer, length);
            return result(r, state);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int link(Path from, Path to) {
        return (int) invoke(LINK, from, to);
    }

    static int symlink(String target, Path link) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int r = (int) SYMLINK.invokeExact(state, arena.allocateFrom(target), arena.allocateFrom(link.toString()));
            return (int) result(r, state);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static int rename(Path from, Path to) {
        return (int) invoke(RENAME, from, to);
    }

    static int chmod(Path path, int mode) {
        return (int) invoke(CHMOD, path, mode);
    }

    static int mkdir(Path path, int mode) {
        return (int) invoke(MKDIR, path, mode);
    }

    static int rmdir(Path path) {
        return (int) invoke(RMDIR, path);
    }

    static int unlink(Path path) {
        return (int) invoke(UNLINK, path);
    }

    /** {@code access(path, F_OK)}: 0 when it exists, -ENOENT (or another -errno) otherwise. */
    static int exists(Path path) {
        return (int) invoke(ACCESS, path, 0);
    }
}
