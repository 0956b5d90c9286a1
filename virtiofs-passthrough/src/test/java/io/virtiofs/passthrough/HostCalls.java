package io.virtiofs.passthrough;

import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.XattrCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Host-side calls the JDK has no form of (trusted and security xattrs), for setting up tests. */
final class HostCalls {

    private static final java.lang.invoke.MethodHandle GLIBC_SETGROUPS =
            io.virtiofs.transport.internal.nativeio.NativeLinker.downcall("setgroups",
                    java.lang.foreign.FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS));

    private HostCalls() {
    }

    /**
     * glibc's {@code setgroups}: the supplementary groups of every thread of this process (glibc
     * has each thread make the call), as a daemon started with groups has them.
     */
    static void setProcessGroups(int... groups) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = arena.allocate(ValueLayout.JAVA_INT, Math.max(1, groups.length));
            for (int i = 0; i < groups.length; i++) {
                list.setAtIndex(ValueLayout.JAVA_INT, i, groups[i]);
            }
            int result = (int) GLIBC_SETGROUPS.invokeExact(io.virtiofs.transport.internal.nativeio.NativeLinker.callState(),
                    (long) groups.length, list);
            if (result != 0) {
                throw new IllegalStateException("setgroups failed");
            }
        }
    }

    static void setxattr(Path path, String name, String value) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            MemorySegment v = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, v, ValueLayout.JAVA_BYTE, 0, bytes.length);
            XattrCalls.setxattr(arena.allocateFrom(path.toString()), arena.allocateFrom(name), v, bytes.length, 0);
        }
    }

    /** The value of xattr {@code name}, or null when there is none. */
    static String getxattr(Path path, String name) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(65536);
            int length = XattrCalls.getxattr(arena.allocateFrom(path.toString()), arena.allocateFrom(name), v);
            return new String(v.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } catch (NativeException e) {
            if (e.errno() == io.virtiofs.api.Errno.ENODATA) {
                return null;
            }
            throw e;
        }
    }
}
