package io.virtiofs.passthrough;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.FileName;
import io.virtiofs.transport.internal.nativeio.IoVector;
import io.virtiofs.transport.internal.nativeio.StatxBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * One serving thread's native buffers, allocated once and reused for every request the thread
 * serves: names as C strings, a {@code struct statx}, an iovec array, a buffer for xattrs and
 * symbolic link targets, and the thread's file-system context ({@link CallerIdentity} prepares
 * it once). Requests on one thread run one after another, so nothing here is shared.
 */
final class ThreadScratch {

    /** Room for a name of {@link FileName#MAX_LENGTH} bytes and its NUL. */
    private static final int NAME_ROOM = FileName.MAX_LENGTH + 1;
    /** Room for a symbolic link's target (PATH_MAX with its NUL). */
    static final int TARGET_ROOM = 4096;
    /** Room for an xattr value or name list ({@code XATTR_SIZE_MAX}). */
    static final int XATTR_ROOM = 65536;
    /** iovec entries: a 1 MiB guest request in 4 KiB pages, and more. */
    static final int IOV_ENTRIES = 1024;

    private static final ThreadLocal<ThreadScratch> SCRATCH = ThreadLocal.withInitial(ThreadScratch::new);

    private final Arena arena = Arena.ofAuto();
    private final MemorySegment first = arena.allocate(NAME_ROOM);
    private final MemorySegment second = arena.allocate(NAME_ROOM);
    private final MemorySegment xattrName = arena.allocate(NAME_ROOM);
    private final MemorySegment descriptorName = arena.allocate(16);
    private final byte[] bytes = new byte[NAME_ROOM];
    private final StatxBuffer statx = new StatxBuffer(arena);
    private final IoVector iov = new IoVector(arena, IOV_ENTRIES);
    private MemorySegment large = MemorySegment.NULL;
    private MemorySegment bounce = MemorySegment.NULL;
    private MemorySegment groups = MemorySegment.NULL;

    // The thread's file-system context, kept by CallerIdentity.
    boolean prepared;
    int umask = -1;
    boolean groupsSet;

    private ThreadScratch() {
    }

    /** This thread's scratch. */
    static ThreadScratch get() {
        return SCRATCH.get();
    }

    /** {@code name} as a C string in the first name buffer. */
    MemorySegment name(FileName name) {
        return put(first, name);
    }

    /** {@code name} as a C string in the second name buffer (the other name of a rename or link). */
    MemorySegment otherName(FileName name) {
        return put(second, name);
    }

    private MemorySegment put(MemorySegment target, FileName name) {
        int length = name.length();
        name.copyTo(bytes, 0);
        MemorySegment.copy(bytes, 0, target, ValueLayout.JAVA_BYTE, 0, length);
        target.set(ValueLayout.JAVA_BYTE, length, (byte) 0);
        return target;
    }

    /**
     * The decimal digits of {@code fd} as a C string: its name in {@code /proc/self/fd}, for
     * calls relative to that directory.
     */
    MemorySegment descriptorName(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("descriptor " + fd + " is negative");
        }
        int digits = fd == 0 ? 1 : (int) Math.log10(fd) + 1;
        int value = fd;
        for (int i = digits - 1; i >= 0; i--) {
            descriptorName.set(ValueLayout.JAVA_BYTE, i, (byte) ('0' + value % 10));
            value /= 10;
        }
        descriptorName.set(ValueLayout.JAVA_BYTE, digits, (byte) 0);
        return descriptorName;
    }

    /**
     * An xattr name as a C string.
     *
     * @throws ErrnoException ERANGE when it is longer than XATTR_NAME_MAX, EINVAL when empty
     */
    MemorySegment xattrName(String name) {
        byte[] encoded = name.getBytes(StandardCharsets.UTF_8);
        if (encoded.length >= NAME_ROOM || encoded.length == 0) {
            throw new ErrnoException(encoded.length == 0 ? Errno.EINVAL : Errno.ERANGE,
                    "xattr name of " + encoded.length + " bytes");
        }
        MemorySegment.copy(encoded, 0, xattrName, ValueLayout.JAVA_BYTE, 0, encoded.length);
        xattrName.set(ValueLayout.JAVA_BYTE, encoded.length, (byte) 0);
        return xattrName;
    }

    /** The thread's {@code struct statx}. */
    StatxBuffer statx() {
        return statx;
    }

    /** The thread's iovec array. */
    IoVector iov() {
        return iov;
    }

    /** A buffer of {@link #XATTR_ROOM} bytes (xattr values and lists; symbolic link targets). */
    MemorySegment large() {
        if (large.byteSize() == 0) {
            large = arena.allocate(XATTR_ROOM);
        }
        return large;
    }

    /** A native buffer of at least {@code size} bytes, for data whose own buffer is on the Java heap. */
    MemorySegment bounce(int size) {
        if (bounce.byteSize() < size) {
            bounce = arena.allocate(Math.max(size, 65536));
        }
        return bounce;
    }

    /** A buffer for {@code count} group ids. */
    MemorySegment groups(int count) {
        long bytes = Math.max(1, count) * 4L;
        if (groups.byteSize() < bytes) {
            groups = arena.allocate(Math.max(bytes, 256), 4);
        }
        return groups;
    }
}
