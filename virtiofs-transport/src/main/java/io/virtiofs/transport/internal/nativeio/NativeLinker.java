package io.virtiofs.transport.internal.nativeio;

import io.virtiofs.api.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one place that links C library functions: downcall handles that capture {@code errno}, and
 * a per-thread capture segment so calls allocate nothing.
 *
 * <p>Every handle made by {@link #downcall} takes the capture segment ({@link #callState()}) as
 * its first argument; after a failing call, {@link #errno(MemorySegment)} reads the errno the call
 * set.
 */
public final class NativeLinker {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private NativeLinker() {
    }

    /**
     * Sets up the calling thread's native-call state (the errno capture segment, the eventfd
     * counter) before its first call, outside the loop that makes the calls; see
     * {@code FuseRequestHandler.prepareThread}.
     */
    public static void prepareThread() {
        CALL_STATE.get();
        EventFdCalls.prepareThread();
    }

    /**
     * A handle to the C function {@code name} that captures errno.
     *
     * @throws IllegalStateException if the C library has no such function
     */
    @SuppressWarnings("restricted") // the one place that links: the module is run with native access
    public static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new IllegalStateException("the C library has no function " + name));
        return LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO);
    }

    /**
     * A handle to the variadic C function {@code name} ({@code open}, {@code ioctl}) that captures
     * errno: {@code descriptor} lists the fixed parameters first, then the variadic ones as the
     * call passes them, starting at parameter {@code firstVariadic} (0-based, the capture segment
     * not counted).
     *
     * @throws IllegalStateException if the C library has no such function
     */
    @SuppressWarnings("restricted")
    public static MethodHandle downcallVariadic(String name, FunctionDescriptor descriptor, int firstVariadic) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new IllegalStateException("the C library has no function " + name));
        return LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** This thread's errno capture segment, the first argument of every handle from {@link #downcall}. */
    public static MemorySegment callState() {
        return CALL_STATE.get();
    }

    /** The errno captured in {@code state} by the last call that used it. */
    public static Errno errno(MemorySegment state) {
        int code = (int) ERRNO.get(state, 0L);
        return Errno.lookup(code).orElse(Errno.EIO);
    }

    /** A failure of {@code call}, with the errno captured in {@code state}. */
    public static NativeException failure(String call, MemorySegment state) {
        return new NativeException(call, errno(state));
    }

    /**
     * Wraps what {@code MethodHandle.invokeExact} may throw besides the call's own result: only a
     * wrong descriptor (a bug here) can cause it.
     */
    public static IllegalStateException linkageBug(String call, Throwable cause) {
        if (cause instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IllegalStateException("native call " + call + " failed to run", cause);
    }
}
