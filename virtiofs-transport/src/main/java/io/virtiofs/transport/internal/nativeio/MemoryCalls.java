package io.virtiofs.transport.internal.nativeio;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Memory system calls: {@code mmap(2)}, {@code munmap(2)}, {@code memfd_create(2)},
 * {@code ftruncate(2)}, {@code close(2)} (for memfds) and the page size.
 *
 * <p>Each call returns a typed result or throws {@link NativeException} with the errno it set.
 * Constants are the Linux x86-64/aarch64 values ({@code <sys/mman.h>}, {@code <linux/memfd.h>}).
 */
public final class MemoryCalls {

    /** PROT_NONE: no access. */
    public static final int PROT_NONE = 0;
    /** PROT_READ. */
    public static final int PROT_READ = 1;
    /** PROT_WRITE. */
    public static final int PROT_WRITE = 2;

    /** MAP_SHARED: writes reach the file and other mappings of it. */
    public static final int MAP_SHARED = 0x01;
    /** MAP_PRIVATE: copy-on-write. */
    public static final int MAP_PRIVATE = 0x02;
    /** MAP_FIXED: place the mapping exactly at the address, replacing what is there. */
    public static final int MAP_FIXED = 0x10;
    /** MAP_ANONYMOUS: no file. */
    public static final int MAP_ANONYMOUS = 0x20;
    /** MAP_POPULATE: fault the whole mapping in now. */
    public static final int MAP_POPULATE = 0x8000;
    /** MAP_NORESERVE: no swap reservation (for large PROT_NONE reservations). */
    public static final int MAP_NORESERVE = 0x4000;

    /** MFD_CLOEXEC. */
    public static final int MFD_CLOEXEC = 0x0001;
    /** MFD_ALLOW_SEALING: seals may be added to the memfd ({@code fcntl(F_ADD_SEALS)}). */
    public static final int MFD_ALLOW_SEALING = 0x0002;

    private static final long MAP_FAILED = -1L;
    private static final int SC_PAGESIZE = 30;

    private static final MethodHandle MMAP = NativeLinker.downcall("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = NativeLinker.downcall("munmap",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle MEMFD_CREATE = NativeLinker.downcall("memfd_create",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle FTRUNCATE = NativeLinker.downcall("ftruncate",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle FALLOCATE = NativeLinker.downcall("fallocate",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG));
    private static final MethodHandle CLOSE = NativeLinker.downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SYSCONF = NativeLinker.downcall("sysconf",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private static final long PAGE_SIZE = querySysconf(SC_PAGESIZE);

    private MemoryCalls() {
    }

    /**
     * {@code mmap(address, length, prot, flags, fd, offset)}.
     *
     * @param address the address wanted (with {@link #MAP_FIXED}: required), 0 for any
     * @return the mapping, {@code length} bytes long
     * @throws NativeException with the errno mmap set
     */
    public static MemorySegment mmap(long address, long length, int prot, int flags, int fd, long offset)
            throws NativeException {
        if (length <= 0) {
            throw new IllegalArgumentException("mmap length " + length + " is not positive");
        }
        MemorySegment state = NativeLinker.callState();
        MemorySegment result;
        try {
            result = (MemorySegment) MMAP.invokeExact(state, MemorySegment.ofAddress(address), length, prot, flags, fd,
                    offset);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("mmap", t);
        }
        if (result.address() == MAP_FAILED) {
            throw NativeLinker.failure("mmap", state);
        }
        return result.reinterpret(length);
    }

    /** {@code munmap(address, length)}. */
    public static void munmap(long address, long length) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) MUNMAP.invokeExact(state, MemorySegment.ofAddress(address), length);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("munmap", t);
        }
        if (result != 0) {
            throw NativeLinker.failure("munmap", state);
        }
    }

    /** {@code memfd_create(name, flags)}: an anonymous file, for guest memory shared by descriptor. */
    public static int memfdCreate(String name, int flags) throws NativeException {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment cName = arena.allocate(bytes.length + 1L);
            MemorySegment.copy(bytes, 0, cName, ValueLayout.JAVA_BYTE, 0, bytes.length);
            MemorySegment state = NativeLinker.callState();
            int fd;
            try {
                fd = (int) MEMFD_CREATE.invokeExact(state, cName, flags);
            } catch (Throwable t) {
                throw NativeLinker.linkageBug("memfd_create", t);
            }
            if (fd < 0) {
                throw NativeLinker.failure("memfd_create", state);
            }
            return fd;
        }
    }

    /** {@code ftruncate(fd, length)}. */
    public static void ftruncate(int fd, long length) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FTRUNCATE.invokeExact(state, fd, length);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("ftruncate", t);
        }
        if (result != 0) {
            throw NativeLinker.failure("ftruncate", state);
        }
    }

    /** {@code FALLOC_FL_KEEP_SIZE}. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    /** {@code FALLOC_FL_PUNCH_HOLE} (with {@link #FALLOC_FL_KEEP_SIZE}): the range reads as zeros, its pages freed. */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;

    /** {@code fallocate(fd, mode, offset, length)}. */
    public static void fallocate(int fd, int mode, long offset, long length) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FALLOCATE.invokeExact(state, fd, mode, offset, length);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("fallocate", t);
        }
        if (result != 0) {
            throw NativeLinker.failure("fallocate", state);
        }
    }

    /** {@code close(fd)}, for descriptors this class created ({@link #memfdCreate}). */
    public static void close(int fd) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("close", t);
        }
        if (result != 0) {
            throw NativeLinker.failure("close", state);
        }
    }

    /** The page size ({@code sysconf(_SC_PAGESIZE)}), the granularity of {@link #mmap}. */
    public static long pageSize() {
        return PAGE_SIZE;
    }

    private static long querySysconf(int name) {
        MemorySegment state = NativeLinker.callState();
        long result;
        try {
            result = (long) SYSCONF.invokeExact(state, name);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("sysconf", t);
        }
        if (result <= 0) {
            throw new IllegalStateException("sysconf(" + name + ") failed: " + NativeLinker.errno(state));
        }
        return result;
    }
}
