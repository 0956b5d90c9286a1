package io.virtiofs.testkit.mock;

import java.lang.reflect.Method;

/**
 * Bytes allocated per thread ({@code com.sun.management.ThreadMXBean}), reached reflectively:
 * the tests run inside the transport module, which does not read java.management.
 */
final class AllocationCounter {

    private final Object bean;
    private final Method allocatedBytes;

    AllocationCounter() {
        try {
            Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
            bean = factory.getMethod("getThreadMXBean").invoke(null);
            Class<?> extended = Class.forName("com.sun.management.ThreadMXBean");
            allocatedBytes = extended.getMethod("getThreadAllocatedBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("per-thread allocation counters are not available", e);
        }
    }

    /** Bytes {@code thread} allocated so far. */
    long allocatedBytes(Thread thread) {
        try {
            return (long) allocatedBytes.invoke(bean, thread.threadId());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
