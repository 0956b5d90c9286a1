package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

/**
 * The process's identity: {@code getuid(2)}, {@code getgid(2)}, {@code geteuid(2)},
 * {@code getegid(2)}. These calls cannot fail.
 */
public final class IdentityCalls {

    private static final MethodHandle GETUID = NativeLinker.downcall("getuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETGID = NativeLinker.downcall("getgid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETEUID = NativeLinker.downcall("geteuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETEGID = NativeLinker.downcall("getegid", FunctionDescriptor.of(JAVA_INT));

    private IdentityCalls() {
    }

    /** The real user id. */
    public static int getuid() {
        return call("getuid", GETUID);
    }

    /** The real group id. */
    public static int getgid() {
        return call("getgid", GETGID);
    }

    /** The effective user id. */
    public static int geteuid() {
        return call("geteuid", GETEUID);
    }

    /** The effective group id. */
    public static int getegid() {
        return call("getegid", GETEGID);
    }

    private static int call(String name, MethodHandle handle) {
        try {
            return (int) handle.invokeExact(NativeLinker.callState());
        } catch (Throwable t) {
            throw NativeLinker.linkageBug(name, t);
        }
    }
}
