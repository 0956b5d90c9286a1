package io.virtiofs.testkit.transport.virtqueue;

import io.virtiofs.testkit.mock.DriverMemory;
import io.virtiofs.testkit.mock.DriverQueue;
import io.virtiofs.transport.memory.GuestMemory;
import io.virtiofs.transport.virtqueue.QueueFaultException;
import io.virtiofs.transport.virtqueue.RingFeatures;
import io.virtiofs.transport.virtqueue.SplitQueue;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A driver queue and a device queue over the same guest RAM, driven from one thread. */
final class RingFixture implements AutoCloseable {

    static final long GUEST_BASE = 0x2_0000_0000L;

    final DriverMemory memory;
    final GuestMemory snapshot;
    final DriverQueue driver;
    final SplitQueue device;

    RingFixture(int size, RingFeatures features, int startIndex) throws QueueFaultException {
        this(size, features, startIndex, 4 << 20);
    }

    RingFixture(int size, RingFeatures features, int startIndex, long ramBytes) throws QueueFaultException {
        memory = DriverMemory.create(GUEST_BASE, ramBytes);
        driver = new DriverQueue(memory, size, features, 16, startIndex);
        device = new SplitQueue(1, driver.layout(), features, startIndex, startIndex);
        snapshot = memory.snapshot();
        device.bind(snapshot);
    }

    /** A guest buffer filled with {@code length} bytes of a pattern seeded by {@code seed}. */
    long buffer(int length, int seed) {
        long address = memory.allocate(Math.max(length, 1), 8);
        MemorySegment segment = memory.segment(address, length);
        for (int i = 0; i < length; i++) {
            segment.set(ValueLayout.JAVA_BYTE, i, (byte) (seed * 31 + i));
        }
        return address;
    }

    byte[] bytes(long address, int length) {
        return memory.segment(address, length).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public void close() {
        memory.close();
    }
}
