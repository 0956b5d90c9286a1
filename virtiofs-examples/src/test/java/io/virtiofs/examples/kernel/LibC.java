package io.virtiofs.examples.kernel;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The C library as the tests link it: downcall handles that capture {@code errno}, and one way to
 * call them that turns a failure into an {@link ErrnoException} carrying the errno.
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

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private LibC() {
    }

    /** A handle to the C function {@code name}, capturing errno. */
    @SuppressWarnings("restricted")
    static MethodHandle function(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, Linker.Option.captureCallState("errno"));
    }

    /**
     * A handle to the variadic C function {@code name}; {@code descriptor} lists the arguments as
     * passed, the variadic ones from index {@code firstVariadic}.
     */
    @SuppressWarnings("restricted")
    static MethodHandle variadic(String name, FunctionDescriptor descriptor, int firstVariadic) {
        return LINKER.downcallHandle(symbol(name), descriptor, Linker.Option.captureCallState("errno"),
                Linker.Option.firstVariadicArg(firstVariadic));
    }

    private static MemorySegment symbol(String name) {
        return LOOKUP.find(name).orElseThrow(() -> new IllegalStateException("the C library has no " + name));
    }

    /**
     * Calls {@code handle} with {@code arguments} (after the capture segment) and returns its
     * result as a long.
     *
     * @throws ErrnoException with the captured errno when the call returned -1
     */
    static long call(MethodHandle handle, String what, Object... arguments) {
        MemorySegment state = CALL_STATE.get();
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
            Errno errno = Errno.of((int) ERRNO.get(state, 0L));
            throw new ErrnoException(errno, what + ": " + errno.name() + " (" + errno.description() + ")");
        }
        return value;
    }

    /** {@code path} as a NUL-terminated C string in {@code arena}. */
    static MemorySegment cString(Arena arena, Path path) {
        return arena.allocateFrom(path.toString());
    }
}
