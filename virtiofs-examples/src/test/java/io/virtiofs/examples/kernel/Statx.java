package io.virtiofs.examples.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.time.Instant;

/**
 * What {@code statx(2)} reports ({@code struct statx} of {@code linux/stat.h}), with all four
 * timestamps to the nanosecond, birth time included.
 *
 * @param mask the {@code STATX_*} bits the kernel filled in
 * @param mode type and permission bits
 * @param rdevMajor the major number of a device node
 * @param rdevMinor the minor number of a device node
 * @param devMinor the minor number of the file system's device (for FUSE, the connection number)
 */
record Statx(int mask, int blksize, int nlink, int uid, int gid, int mode, long ino, long size, long blocks,
             Instant atime, Instant btime, Instant ctime, Instant mtime, int rdevMajor, int rdevMinor, int devMinor) {

    static final int STATX_BASIC_STATS = 0x7ff;
    static final int STATX_BTIME = 0x800;

    static final int S_IFMT = 0170000;
    static final int S_IFSOCK = 0140000;
    static final int S_IFLNK = 0120000;
    static final int S_IFREG = 0100000;
    static final int S_IFBLK = 0060000;
    static final int S_IFDIR = 0040000;
    static final int S_IFCHR = 0020000;
    static final int S_IFIFO = 0010000;

    private static final int SIZE = 256;
    private static final MethodHandle STATX = LibC.function("statx",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));

    /** {@code statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, BASIC_STATS | BTIME)}: a symlink itself. */
    static Statx of(Path path) {
        return of(path, STATX_BASIC_STATS | STATX_BTIME);
    }

    /**
     * {@code statx} asking for the {@code mask} fields only: {@link #STATX_BASIC_STATS} alone lets
     * the kernel answer from its attribute cache, where a birth time would need a FUSE_STATX.
     */
    static Statx of(Path path, int mask) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(SIZE, 8);
            LibC.call(STATX, "statx " + path, LibC.AT_FDCWD, LibC.cString(arena, path), LibC.AT_SYMLINK_NOFOLLOW,
                    mask, buffer);
            return decode(buffer);
        }
    }

    /** {@code statx(fd, "", AT_EMPTY_PATH, ...)}: an open file, named or not. */
    static Statx ofDescriptor(int fd, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(SIZE, 8);
            LibC.call(STATX, "statx " + name, fd, arena.allocateFrom(""), LibC.AT_EMPTY_PATH,
                    STATX_BASIC_STATS | STATX_BTIME, buffer);
            return decode(buffer);
        }
    }

    private static Statx decode(MemorySegment b) {
        return new Statx(b.get(JAVA_INT, 0), b.get(JAVA_INT, 4), b.get(JAVA_INT, 16), b.get(JAVA_INT, 20),
                b.get(JAVA_INT, 24), Short.toUnsignedInt(b.get(JAVA_SHORT, 28)), b.get(JAVA_LONG, 32),
                b.get(JAVA_LONG, 40), b.get(JAVA_LONG, 48), time(b, 64), time(b, 80), time(b, 96), time(b, 112),
                b.get(JAVA_INT, 128), b.get(JAVA_INT, 132), b.get(JAVA_INT, 140));
    }

    /** A {@code struct statx_timestamp}: s64 seconds, u32 nanoseconds. */
    private static Instant time(MemorySegment b, long offset) {
        return Instant.ofEpochSecond(b.get(JAVA_LONG, offset), Integer.toUnsignedLong(b.get(JAVA_INT, offset + 8)));
    }

    /** Whether the kernel reported a birth time. */
    boolean hasBtime() {
        return (mask & STATX_BTIME) != 0;
    }

    /** The file type bits ({@code S_IFMT}). */
    int type() {
        return mode & S_IFMT;
    }

    /** The permission bits, set-user-ID, set-group-ID and sticky included. */
    int permissions() {
        return mode & 07777;
    }
}
