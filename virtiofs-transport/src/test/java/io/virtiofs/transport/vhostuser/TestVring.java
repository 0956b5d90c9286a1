package io.virtiofs.transport.vhostuser;

import io.virtiofs.transport.virtqueue.RingLayout;
import io.virtiofs.transport.virtqueue.SplitRing;
import java.lang.foreign.MemorySegment;
import java.util.OptionalLong;

/**
 * The driver side of one split ring in a {@link GuestRam}, as small as a test needs: chains of one
 * readable and one writable buffer, published with a release store of the available index, and
 * used elements read with an acquire load. With EVENT_IDX it asks for an interrupt at every used
 * element (used_event = the next one expected).
 */
final class TestVring {

    final int size;
    final RingLayout layout;
    private final GuestRam ram;
    private final MemorySegment descriptors;
    private final MemorySegment avail;
    private final MemorySegment used;
    private int availIdx;
    private int lastUsed;
    private int nextHead;

    TestVring(GuestRam ram, int size, int startIndex) {
        this(ram, RingLayout.contiguous(size, ram.allocate(RingLayout.contiguous(size, 0, 4).end(), 4096), 4), startIndex);
    }

    /** A ring at the addresses {@code layout} gives (which the caller allocated in {@code ram}). */
    TestVring(GuestRam ram, RingLayout layout, int startIndex) {
        this.ram = ram;
        this.size = layout.size();
        this.layout = layout;
        this.descriptors = ram.segment(layout.descriptorTable(), SplitRing.descriptorTableBytes(size));
        this.avail = ram.segment(layout.availRing(), SplitRing.availRingBytes(size));
        this.used = ram.segment(layout.usedRing(), SplitRing.usedRingBytes(size));
        this.availIdx = startIndex;
        this.lastUsed = startIndex;
        SplitRing.publishAvailIdxRelease(avail, startIndex);
        SplitRing.publishUsedIdxRelease(used, startIndex);
        SplitRing.setUsedEventOpaque(avail, size, startIndex);
    }

    /** The address description SET_VRING_ADDR carries, in the front-end's virtual addresses. */
    VringAddress address(int index) {
        return new VringAddress(index, 0, ram.user(layout.descriptorTable()), ram.user(layout.usedRing()),
                ram.user(layout.availRing()), 0);
    }

    /**
     * Offers a chain of a readable buffer and (if {@code writableLength > 0}) a writable one.
     *
     * @return the chain's head
     */
    int offer(long readable, int readableLength, long writable, int writableLength) {
        int head = nextHead;
        int second = (head + 1) % size;
        nextHead = (head + 2) % size;
        if (writableLength > 0) {
            SplitRing.writeDescriptor(descriptors, head, readable, readableLength, SplitRing.DESC_F_NEXT, second);
            SplitRing.writeDescriptor(descriptors, second, writable, writableLength, SplitRing.DESC_F_WRITE, 0);
        } else {
            SplitRing.writeDescriptor(descriptors, head, readable, readableLength, 0, 0);
        }
        SplitRing.setAvailRingEntry(avail, availIdx & (size - 1), head);
        availIdx = (availIdx + 1) & 0xffff;
        SplitRing.publishAvailIdxRelease(avail, availIdx);
        return head;
    }

    /** The next used element as {@code (id << 32) | length}, if the device returned one. */
    OptionalLong poll() {
        if (SplitRing.usedIdxAcquire(used) == lastUsed) {
            return OptionalLong.empty();
        }
        int slot = lastUsed & (size - 1);
        long element = ((long) SplitRing.usedElementId(used, slot) << 32) | SplitRing.usedElementLength(used, slot);
        lastUsed = (lastUsed + 1) & 0xffff;
        SplitRing.setUsedEventOpaque(avail, size, lastUsed);
        return OptionalLong.of(element);
    }

    int availIdx() {
        return availIdx;
    }
}
