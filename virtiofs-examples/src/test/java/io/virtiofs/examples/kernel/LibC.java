package io.virtiofs.examples.kernel;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.transport.internal.nativeio.NativeLinker;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * The C library as the tests call it: the library's own downcall handles and errno capture
 * ({@code NativeLinker}), and one way to call them that turns a failure into an
 * {@link ErrnoException} carrying the errno.
 *
 * <p>Every handle made here takes an errno capture segment as its first argument;
 * {@link #call} supplies it. The constants are the x86-64 and arm64 Linux values (both share the
 * generic ones used here).
 */
final class LibC {

    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_REMOVEDIR = 0x200;
    static final int AT_EMPTY_PATH = 0x1000;

    private LibC() {
    }

    /** A handle to the C function {@code name}, capturing errno (the library's own linker). */
    static MethodHandle function(String name, FunctionDescriptor descriptor) {
        return NativeLinker.downcall(name, descriptor);
    }

    /**
     * A handle to the variadic C function {@code name}; {@code descriptor} lists the arguments as
     * passed, the variadic ones from index {@code firstVariadic}.
     */
    static MethodHandle variadic(String name, FunctionDescriptor descriptor, int firstVariadic) {
        return NativeLinker.downcallVariadic(name, descriptor, firstVariadic);
    }

    /**
     * Calls {@code handle} with {@code arguments} (after the capture segment) and returns its
     * result as a long.
     *
     * @throws ErrnoException with the captured errno when the call returned -1
     */
    static long call(MethodHandle handle, String what, Object... arguments) {
        MemorySegment state = NativeLinker.callState();
        Object[] all = new Object[arguments.length + 1];
        all[0] = state;
        System.arraycopy(arguments, 0, all, 1, arguments.length);
        Object result;
        try {
            result = handle.invokeWithArguments(all);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("calling " + what + " failed", e);
        }
        long value = ((Number) result).longValue();
        if (value == -1) {
            Errno errno = NativeLinker.errno(state);
            throw new ErrnoException(errno, what + ": " + errno.name() + " (" + errno.description() + ")");
        }
        return value;
    }

    /** {@code path} as a NUL-terminated C string in {@code arena}. */
    static MemorySegment cString(Arena arena, Path path) {
        return arena.allocateFrom(path.toString());
    }
}
