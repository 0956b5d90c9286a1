package io.virtiofs.examples.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Extended attributes of any namespace through {@code setxattr(2)} and friends, with the flags
 * ({@code XATTR_CREATE}, {@code XATTR_REPLACE}) and buffer sizes (0 to ask the size, too small for
 * {@code ERANGE}) under the caller's control. Failures throw {@link io.virtiofs.api.ErrnoException}.
 */
final class XattrCalls {

    static final int XATTR_CREATE = 1;
    static final int XATTR_REPLACE = 2;

    private static final MethodHandle SETXATTR = LibC.function("setxattr",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle LSETXATTR = LibC.function("lsetxattr",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle GETXATTR = LibC.function("getxattr",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle LISTXATTR = LibC.function("listxattr",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle REMOVEXATTR = LibC.function("removexattr",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

    private XattrCalls() {
    }

    static void set(Path path, String name, byte[] value, int flags) {
        set(SETXATTR, "setxattr", path, name, value, flags);
    }

    /** {@code lsetxattr}: on a symlink itself. */
    static void lset(Path path, String name, byte[] value, int flags) {
        set(LSETXATTR, "lsetxattr", path, name, value, flags);
    }

    private static void set(MethodHandle handle, String call, Path path, String name, byte[] value, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, bytes, JAVA_BYTE, 0, value.length);
            LibC.call(handle, call + " " + path + " " + name, LibC.cString(arena, path), arena.allocateFrom(name), bytes,
                    (long) value.length, flags);
        }
    }

    /** {@code getxattr(path, name, NULL, 0)}: the size of the value. */
    static long size(Path path, String name) {
        try (Arena arena = Arena.ofConfined()) {
            return LibC.call(GETXATTR, "getxattr " + path + " " + name, LibC.cString(arena, path), arena.allocateFrom(name),
                    MemorySegment.NULL, 0L);
        }
    }

    /** {@code getxattr} into a buffer of {@code bufferSize} bytes: the value. */
    static byte[] get(Path path, String name, int bufferSize) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, bufferSize));
            long length = LibC.call(GETXATTR, "getxattr " + path + " " + name, LibC.cString(arena, path),
                    arena.allocateFrom(name), buffer, (long) bufferSize);
            return buffer.asSlice(0, length).toArray(JAVA_BYTE);
        }
    }

    /** The whole value: its size asked first, then read. */
    static byte[] get(Path path, String name) {
        return get(path, name, (int) size(path, name));
    }

    /** {@code listxattr(path, NULL, 0)}: the size of the name list. */
    static long listSize(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            return LibC.call(LISTXATTR, "listxattr " + path, LibC.cString(arena, path), MemorySegment.NULL, 0L);
        }
    }

    /** {@code listxattr} into a buffer of {@code bufferSize} bytes: the names in order. */
    static List<String> list(Path path, int bufferSize) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, bufferSize));
            long length = LibC.call(LISTXATTR, "listxattr " + path, LibC.cString(arena, path), buffer, (long) bufferSize);
            List<String> names = new ArrayList<>();
            long start = 0;
            for (long i = 0; i < length; i++) {
                if (buffer.get(JAVA_BYTE, i) == 0) {
                    names.add(buffer.asSlice(start, i - start + 1).getString(0, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            if (start != length) {
                throw new AssertionError("the xattr name list of " + path + " does not end with NUL");
            }
            return names;
        }
    }

    /** Every name: the list size asked first, then read. */
    static List<String> list(Path path) {
        return list(path, (int) listSize(path));
    }

    static void remove(Path path, String name) {
        try (Arena arena = Arena.ofConfined()) {
            LibC.call(REMOVEXATTR, "removexattr " + path + " " + name, LibC.cString(arena, path), arena.allocateFrom(name));
        }
    }
}
