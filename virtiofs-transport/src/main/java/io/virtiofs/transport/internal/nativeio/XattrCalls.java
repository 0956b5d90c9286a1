package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Extended attribute system calls by path ({@code getxattr}, {@code setxattr},
 * {@code listxattr}, {@code removexattr}: they follow a trailing link, which for a
 * {@code /proc/self/fd/N} magic link means the node behind descriptor N, whatever its type) and by
 * open descriptor ({@code f*xattr}).
 *
 * <p>Names and paths are NUL-terminated native segments; values are native segments. Failures
 * throw a {@link NativeException#unrecorded stack-less} {@link NativeException} (ENODATA is an
 * ordinary answer).
 */
public final class XattrCalls {

    /** {@code XATTR_CREATE}. */
    public static final int XATTR_CREATE = 1;
    /** {@code XATTR_REPLACE}. */
    public static final int XATTR_REPLACE = 2;
    /** {@code XATTR_SIZE_MAX} and {@code XATTR_LIST_MAX}: the largest value and list. */
    public static final int XATTR_MAX = 65536;

    private static final MethodHandle GETXATTR = NativeLinker.downcall("getxattr",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle SETXATTR = NativeLinker.downcall("setxattr",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle LISTXATTR = NativeLinker.downcall("listxattr",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle REMOVEXATTR = NativeLinker.downcall("removexattr",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle FGETXATTR = NativeLinker.downcall("fgetxattr",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle FSETXATTR = NativeLinker.downcall("fsetxattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FREMOVEXATTR = NativeLinker.downcall("fremovexattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    private XattrCalls() {
    }

    /** {@code getxattr(path, name, value, size)}: the value's length, placed at the start of {@code value}. */
    public static int getxattr(MemorySegment path, MemorySegment name, MemorySegment value) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        long length;
        try {
            length = (long) GETXATTR.invokeExact(state, path, name, value, value.byteSize());
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("getxattr", t);
        }
        if (length < 0) {
            throw NodeCalls.fail("getxattr", state);
        }
        return (int) length;
    }

    /** {@code setxattr(path, name, value, length, flags)}. */
    public static void setxattr(MemorySegment path, MemorySegment name, MemorySegment value, long length, int flags)
            throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) SETXATTR.invokeExact(state, path, name, value, length, flags);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("setxattr", t);
        }
        NodeCalls.check(result, "setxattr", state);
    }

    /** {@code listxattr(path, list, size)}: the length of the NUL-separated names placed in {@code list}. */
    public static int listxattr(MemorySegment path, MemorySegment list) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        long length;
        try {
            length = (long) LISTXATTR.invokeExact(state, path, list, list.byteSize());
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("listxattr", t);
        }
        if (length < 0) {
            throw NodeCalls.fail("listxattr", state);
        }
        return (int) length;
    }

    /** {@code removexattr(path, name)}. */
    public static void removexattr(MemorySegment path, MemorySegment name) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) REMOVEXATTR.invokeExact(state, path, name);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("removexattr", t);
        }
        NodeCalls.check(result, "removexattr", state);
    }

    /** {@code fgetxattr(fd, name, value, size)}: the value's length. */
    public static int fgetxattr(int fd, MemorySegment name, MemorySegment value) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        long length;
        try {
            length = (long) FGETXATTR.invokeExact(state, fd, name, value, value.byteSize());
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("fgetxattr", t);
        }
        if (length < 0) {
            throw NodeCalls.fail("fgetxattr", state);
        }
        return (int) length;
    }

    /** {@code fsetxattr(fd, name, value, length, flags)}. */
    public static void fsetxattr(int fd, MemorySegment name, MemorySegment value, long length, int flags)
            throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FSETXATTR.invokeExact(state, fd, name, value, length, flags);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("fsetxattr", t);
        }
        NodeCalls.check(result, "fsetxattr", state);
    }

    /** {@code fremovexattr(fd, name)}. */
    public static void fremovexattr(int fd, MemorySegment name) throws NativeException {
        MemorySegment state = NativeLinker.callState();
        int result;
        try {
            result = (int) FREMOVEXATTR.invokeExact(state, fd, name);
        } catch (Throwable t) {
            throw NativeLinker.linkageBug("fremovexattr", t);
        }
        NodeCalls.check(result, "fremovexattr", state);
    }
}
