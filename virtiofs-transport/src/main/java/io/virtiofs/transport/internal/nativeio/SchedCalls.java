package io.virtiofs.transport.internal.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code sched_setaffinity(2)} for the calling thread. */
public final class SchedCalls {

    private static final MethodHandle SET_AFFINITY = NativeLinker.downcall("sched_setaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));

    private SchedCalls() {
    }

    /** Lets the calling thread run only on CPU {@code cpu}. */
    public static void pinCurrentThread(int cpu) throws NativeException {
        if (cpu < 0 || cpu >= 8192) {
            throw new IllegalArgumentException("CPU " + cpu + " is outside 0..8191");
        }
        try (Arena arena = Arena.ofConfined()) {
            long bytes = (cpu / 64 + 1) * 8L;
            MemorySegment mask = arena.allocate(bytes, 8);
            mask.set(JAVA_LONG, (cpu / 64) * 8L, 1L << (cpu % 64));
            MemorySegment state = NativeLinker.callState();
            int result;
            try {
                result = (int) SET_AFFINITY.invokeExact(state, 0, bytes, mask);
            } catch (Throwable t) {
                throw NativeLinker.linkageBug("sched_setaffinity", t);
            }
            if (result != 0) {
                throw NativeLinker.failure("sched_setaffinity", state);
            }
        }
    }
}
