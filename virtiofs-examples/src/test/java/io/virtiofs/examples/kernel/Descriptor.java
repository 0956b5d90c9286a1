package io.virtiofs.examples.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An open file descriptor and the calls on it that Java lacks: {@code open(2)} with any flags
 * (O_TMPFILE, O_DIRECT), {@code pread}/{@code pwrite}, {@code lseek} with SEEK_DATA/SEEK_HOLE,
 * {@code fallocate}, {@code copy_file_range}, {@code linkat(AT_EMPTY_PATH)}, {@code getdents64},
 * {@code fchmod}/{@code fchown}, {@code fstatx}. Failures throw
 * {@link io.virtiofs.api.ErrnoException} with the errno.
 */
final class Descriptor implements AutoCloseable {

    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_TRUNC = 01000;
    static final int O_APPEND = 02000;
    static final int O_DIRECT = 040000;
    static final int O_DIRECTORY = 0200000;
    static final int O_NOFOLLOW = 0400000;
    static final int O_CLOEXEC = 02000000;
    static final int O_TMPFILE = 020000000 | O_DIRECTORY;

    static final int SEEK_SET = 0;
    static final int SEEK_DATA = 3;
    static final int SEEK_HOLE = 4;

    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;

    private static final MethodHandle OPEN = LibC.variadic("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle CLOSE = LibC.function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PREAD = LibC.function("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = LibC.function("pwrite",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle LSEEK = LibC.function("lseek",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FALLOCATE = LibC.function("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle COPY_FILE_RANGE = LibC.function("copy_file_range",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FSYNC = LibC.function("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FTRUNCATE = LibC.function("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FCHMOD = LibC.function("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHOWN = LibC.function("fchown",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle LINKAT = LibC.function("linkat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETDENTS64 = LibC.function("getdents64",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    /** mmap with its pointer as a number: MAP_FAILED is -1, which {@link LibC#call} reports. */
    private static final MethodHandle MMAP = LibC.function("mmap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MSYNC = LibC.function("msync",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUNMAP = LibC.function("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_SHARED = 0x01;
    private static final int MS_SYNC = 4;

    private final int fd;
    private final String name;
    private boolean closed;

    private Descriptor(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /** {@code open(path, flags, mode)}; O_CLOEXEC is always added. */
    static Descriptor open(Path path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) LibC.call(OPEN, "open " + path, LibC.cString(arena, path), flags | O_CLOEXEC, mode);
            return new Descriptor(fd, path.toString());
        }
    }

    /** {@code open(path, flags)} for flags that create nothing. */
    static Descriptor open(Path path, int flags) {
        return open(path, flags, 0);
    }

    /** {@code open(directory, O_TMPFILE | access, mode)}: a nameless file in {@code directory}. */
    static Descriptor tmpfile(Path directory, int access, int mode) {
        return open(directory, O_TMPFILE | access, mode);
    }

    /** The descriptor number. */
    int fd() {
        return fd;
    }

    /** Reads up to {@code length} bytes at {@code offset}; the array has the length read. */
    byte[] pread(long offset, int length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, length));
            long count = LibC.call(PREAD, "pread " + name, fd, buffer, (long) length, offset);
            return buffer.asSlice(0, count).toArray(JAVA_BYTE);
        }
    }

    /** Writes {@code data} at {@code offset} with one {@code pwrite}; the count written. */
    int pwrite(byte[] data, long offset) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buffer, JAVA_BYTE, 0, data.length);
            return (int) LibC.call(PWRITE, "pwrite " + name, fd, buffer, (long) data.length, offset);
        }
    }

    /** One {@code pread} into {@code buffer} (a segment the caller aligned, for O_DIRECT). */
    long pread(MemorySegment buffer, long offset) {
        return LibC.call(PREAD, "pread " + name, fd, buffer, buffer.byteSize(), offset);
    }

    /** One {@code pwrite} from {@code buffer} (a segment the caller aligned, for O_DIRECT). */
    long pwrite(MemorySegment buffer, long offset) {
        return LibC.call(PWRITE, "pwrite " + name, fd, buffer, buffer.byteSize(), offset);
    }

    long lseek(long offset, int whence) {
        return LibC.call(LSEEK, "lseek " + name + " " + offset + " whence " + whence, fd, offset, whence);
    }

    void fallocate(int mode, long offset, long length) {
        LibC.call(FALLOCATE, "fallocate " + name + " mode " + mode + " " + offset + "+" + length, fd, mode, offset, length);
    }

    /**
     * {@code copy_file_range(in, &inOffset, out, &outOffset, length, 0)}: the count copied.
     */
    static long copyFileRange(Descriptor in, long inOffset, Descriptor out, long outOffset, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment inOff = arena.allocateFrom(JAVA_LONG, inOffset);
            MemorySegment outOff = arena.allocateFrom(JAVA_LONG, outOffset);
            return LibC.call(COPY_FILE_RANGE, "copy_file_range " + in.name + " -> " + out.name,
                    in.fd, inOff, out.fd, outOff, length, 0);
        }
    }

    void fsync() {
        LibC.call(FSYNC, "fsync " + name, fd);
    }

    void ftruncate(long length) {
        LibC.call(FTRUNCATE, "ftruncate " + name, fd, length);
    }

    void fchmod(int mode) {
        LibC.call(FCHMOD, "fchmod " + name, fd, mode);
    }

    void fchown(int uid, int gid) {
        LibC.call(FCHOWN, "fchown " + name, fd, uid, gid);
    }

    /** {@code linkat(fd, "", AT_FDCWD, target, AT_EMPTY_PATH)}: gives this file the name {@code target}. */
    void linkAs(Path target) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(LINKAT, "linkat " + name + " -> " + target, fd, arena.allocateFrom(""), LibC.AT_FDCWD,
                    LibC.cString(arena, target), LibC.AT_EMPTY_PATH);
        }
    }

    /**
     * {@code mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)}: the mapping, which
     * {@link #unmapSynced} ends.
     */
    MemorySegment mapShared(long length) {
        long address = LibC.call(MMAP, "mmap " + name, 0L, length, PROT_READ_WRITE, MAP_SHARED, fd, 0L);
        return MemorySegment.ofAddress(address).reinterpret(length);
    }

    /** {@code msync(MS_SYNC)} (the file system gets the written pages), then {@code munmap}. */
    static void unmapSynced(MemorySegment mapping) {
        LibC.call(MSYNC, "msync", mapping.address(), mapping.byteSize(), MS_SYNC);
        LibC.call(MUNMAP, "munmap", mapping.address(), mapping.byteSize());
    }

    /** {@code statx} of this descriptor ({@code AT_EMPTY_PATH}). */
    Statx statx() {
        return Statx.ofDescriptor(fd, name);
    }

    /** A directory entry as {@code getdents64} returns it ({@code struct linux_dirent64}). */
    record Dirent(long ino, long offset, int type, String name) {
        static final int DT_FIFO = 1;
        static final int DT_CHR = 2;
        static final int DT_DIR = 4;
        static final int DT_BLK = 6;
        static final int DT_REG = 8;
        static final int DT_LNK = 10;
        static final int DT_SOCK = 12;
    }

    /**
     * One {@code getdents64} call with a buffer of {@code bufferSize} bytes: the entries it
     * returned, empty at the end of the directory.
     */
    List<Dirent> getdents(int bufferSize) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(bufferSize, 8);
            long length = LibC.call(GETDENTS64, "getdents64 " + name, fd, buffer, (long) bufferSize);
            List<Dirent> entries = new ArrayList<>();
            long position = 0;
            while (position < length) {
                long ino = buffer.get(JAVA_LONG, position);
                long offset = buffer.get(JAVA_LONG, position + 8);
                int recordLength = Short.toUnsignedInt(buffer.get(JAVA_SHORT, position + 16));
                int type = Byte.toUnsignedInt(buffer.get(JAVA_BYTE, position + 18));
                MemorySegment nameBytes = buffer.asSlice(position + 19, recordLength - 19);
                entries.add(new Dirent(ino, offset, type, nameBytes.getString(0, StandardCharsets.UTF_8)));
                position += recordLength;
            }
            return entries;
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.call(CLOSE, "close " + name, fd);
        }
    }

    @Override
    public String toString() {
        return "fd " + fd + " (" + name + ")";
    }
}
