package io.virtiofs.examples.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;

/**
 * Calls on paths with the exact errno a test needs: {@code renameat2}, {@code mknodat},
 * {@code utimensat} with UTIME_NOW/UTIME_OMIT, {@code statvfs}, and the plain ones
 * ({@code mkdir}, {@code unlink}, {@code chmod}, {@code chown}, ...) whose errno Java folds into
 * one exception type. Failures throw {@link io.virtiofs.api.ErrnoException}.
 */
final class PathCalls {

    static final int RENAME_NOREPLACE = 1;
    static final int RENAME_EXCHANGE = 2;
    static final int RENAME_WHITEOUT = 4;

    /** {@code tv_nsec} meaning "now". */
    static final long UTIME_NOW = (1L << 30) - 1;
    /** {@code tv_nsec} meaning "leave unchanged". */
    static final long UTIME_OMIT = (1L << 30) - 2;

    private static final MethodHandle RENAMEAT2 = LibC.function("renameat2",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MKNODAT = LibC.function("mknodat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle UTIMENSAT = LibC.function("utimensat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle STATVFS = LibC.function("statvfs", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle MKDIRAT = LibC.function("mkdirat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle UNLINKAT = LibC.function("unlinkat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FCHMODAT = LibC.function("fchmodat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHOWNAT = LibC.function("fchownat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle TRUNCATE = LibC.function("truncate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle SYMLINKAT = LibC.function("symlinkat",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle LINKAT = LibC.function("linkat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));

    private PathCalls() {
    }

    /** This process's umask, from {@code Umask:} in /proc/self/status (it cannot be read without changing it). */
    static int umask() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(line -> line.startsWith("Umask:"))
                    .map(line -> Integer.parseInt(line.substring("Umask:".length()).strip(), 8))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("/proc/self/status has no Umask line"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code renameat2(AT_FDCWD, from, AT_FDCWD, to, flags)}. */
    static void rename(Path from, Path to, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(RENAMEAT2, "renameat2 " + from + " -> " + to + " flags " + flags, LibC.AT_FDCWD,
                    LibC.cString(arena, from), LibC.AT_FDCWD, LibC.cString(arena, to), flags);
        }
    }

    /** {@code mknodat(AT_FDCWD, path, mode, makedev(major, minor))}; {@code mode} includes the type. */
    static void mknod(Path path, int mode, int major, int minor) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(MKNODAT, "mknod " + path, LibC.AT_FDCWD, LibC.cString(arena, path), mode, makedev(major, minor));
        }
    }

    /** glibc's {@code makedev}: the 64-bit {@code dev_t} of a device number. */
    static long makedev(int major, int minor) {
        long ma = Integer.toUnsignedLong(major);
        long mi = Integer.toUnsignedLong(minor);
        return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
    }

    /**
     * {@code utimensat(AT_FDCWD, path, times, flags)}: each time is seconds and nanoseconds, where
     * the nanoseconds may be {@link #UTIME_NOW} or {@link #UTIME_OMIT}.
     */
    static void utimens(Path path, long atimeSeconds, long atimeNanos, long mtimeSeconds, long mtimeNanos, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment times = arena.allocate(32, 8);
            times.set(JAVA_LONG, 0, atimeSeconds);
            times.set(JAVA_LONG, 8, atimeNanos);
            times.set(JAVA_LONG, 16, mtimeSeconds);
            times.set(JAVA_LONG, 24, mtimeNanos);
            LibC.call(UTIMENSAT, "utimensat " + path, LibC.AT_FDCWD, LibC.cString(arena, path), times, flags);
        }
    }

    /** Sets both times exactly. */
    static void utimens(Path path, Instant atime, Instant mtime) {
        utimens(path, atime.getEpochSecond(), atime.getNano(), mtime.getEpochSecond(), mtime.getNano(), 0);
    }

    /** {@code utimensat(AT_FDCWD, path, NULL, 0)}: both times to now ({@code touch}). */
    static void touch(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(UTIMENSAT, "utimensat " + path, LibC.AT_FDCWD, LibC.cString(arena, path), MemorySegment.NULL, 0);
        }
    }

    /** {@code struct statvfs}: what the mount reports about its capacity. */
    record StatVfs(long bsize, long frsize, long blocks, long bfree, long bavail, long files, long ffree,
                   long namemax) {
    }

    static StatVfs statvfs(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(112, 8);
            LibC.call(STATVFS, "statvfs " + path, LibC.cString(arena, path), b);
            return new StatVfs(b.get(JAVA_LONG, 0), b.get(JAVA_LONG, 8), b.get(JAVA_LONG, 16), b.get(JAVA_LONG, 24),
                    b.get(JAVA_LONG, 32), b.get(JAVA_LONG, 40), b.get(JAVA_LONG, 48), b.get(JAVA_LONG, 80));
        }
    }

    static void mkdir(Path path, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(MKDIRAT, "mkdir " + path, LibC.AT_FDCWD, LibC.cString(arena, path), mode);
        }
    }

    static void unlink(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(UNLINKAT, "unlink " + path, LibC.AT_FDCWD, LibC.cString(arena, path), 0);
        }
    }

    static void rmdir(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(UNLINKAT, "rmdir " + path, LibC.AT_FDCWD, LibC.cString(arena, path), LibC.AT_REMOVEDIR);
        }
    }

    static void chmod(Path path, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(FCHMODAT, "chmod " + path, LibC.AT_FDCWD, LibC.cString(arena, path), mode, 0);
        }
    }

    /** {@code chown}; -1 leaves the uid or gid as it is. */
    static void chown(Path path, int uid, int gid) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(FCHOWNAT, "chown " + path, LibC.AT_FDCWD, LibC.cString(arena, path), uid, gid, 0);
        }
    }

    /** {@code lchown}: the symlink itself. */
    static void lchown(Path path, int uid, int gid) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(FCHOWNAT, "lchown " + path, LibC.AT_FDCWD, LibC.cString(arena, path), uid, gid,
                    LibC.AT_SYMLINK_NOFOLLOW);
        }
    }

    static void truncate(Path path, long length) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(TRUNCATE, "truncate " + path, LibC.cString(arena, path), length);
        }
    }

    static void symlink(String target, Path link) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(SYMLINKAT, "symlink " + link, arena.allocateFrom(target), LibC.AT_FDCWD, LibC.cString(arena, link));
        }
    }

    static void link(Path existing, Path link) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(LINKAT, "link " + existing + " -> " + link, LibC.AT_FDCWD, LibC.cString(arena, existing),
                    LibC.AT_FDCWD, LibC.cString(arena, link), 0);
        }
    }
}
