package io.virtiofs.transport.virtqueue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The split virtqueue's structures in guest memory (VIRTIO 1.2 §2.7, {@code <linux/virtio_ring.h>}):
 * field offsets and little-endian accessors, for both sides of the ring.
 *
 * <p>Each accessor's name says its memory ordering. The two index publications are
 * release stores and their readers acquire loads: {@link #publishAvailIdxRelease} /
 * {@link #availIdxAcquire} (driver to device: descriptors and ring entries written before the
 * index are visible to whoever sees the index) and {@link #publishUsedIdxRelease} /
 * {@link #usedIdxAcquire} (device to driver: used elements before the index). Other fields are
 * plain or opaque accesses ordered by those, or by the full fences the notification decisions
 * place (see {@link SplitQueue}). All values are unsigned 16- or 32-bit numbers returned as
 * {@code int} (and {@code long} for lengths).
 *
 * <p>The device's own 16-bit stores ({@code used->idx}, {@code used->flags},
 * {@code used->avail_event}) are plain stores, ordered by an explicit fence where they publish:
 * guest memory is a file mapping the front-end may cut short, and the JVM turns the SIGBUS of a
 * store into a page that is gone into an {@link InternalError} for plain accesses, but not for a
 * 16-bit opaque, release or volatile store run by its own code (an interpreted caller): that
 * crashed the whole process ({@code ShouldNotReachHere} in its SIGBUS handling, JDK 25). The
 * driver-side accessors (used by in-process drivers on memory they own) keep the ordered stores.
 */
public final class SplitRing {

    /** {@code sizeof(struct vring_desc)}. */
    public static final int DESCRIPTOR_SIZE = 16;
    /** VRING_DESC_F_NEXT: the chain continues at {@code next}. */
    public static final int DESC_F_NEXT = 1;
    /** VRING_DESC_F_WRITE: the buffer is device-writable (otherwise device-readable). */
    public static final int DESC_F_WRITE = 2;
    /** VRING_DESC_F_INDIRECT: the buffer is a table of descriptors (VIRTIO_RING_F_INDIRECT_DESC). */
    public static final int DESC_F_INDIRECT = 4;
    /** VRING_USED_F_NO_NOTIFY: the device asks the driver not to kick (without EVENT_IDX). */
    public static final int USED_F_NO_NOTIFY = 1;
    /** VRING_AVAIL_F_NO_INTERRUPT: the driver asks the device not to interrupt (without EVENT_IDX). */
    public static final int AVAIL_F_NO_INTERRUPT = 1;
    /** {@code sizeof(struct vring_used_elem)}. */
    public static final int USED_ELEMENT_SIZE = 8;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16_UNALIGNED =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32_UNALIGNED = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64_UNALIGNED =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Aligned 16-bit little-endian access with memory-ordering modes: (segment, offset). */
    private static final VarHandle U16_HANDLE = U16.varHandle();

    private static final long AVAIL_FLAGS = 0;
    private static final long AVAIL_IDX = 2;
    private static final long AVAIL_RING = 4;
    private static final long USED_FLAGS = 0;
    private static final long USED_IDX = 2;
    private static final long USED_RING = 4;

    private SplitRing() {
    }

    // ---- descriptor table (struct vring_desc: le64 addr, le32 len, le16 flags, le16 next) ----

    /** {@code desc[index].addr}. */
    public static long descriptorAddress(MemorySegment table, int index) {
        return table.get(U64_UNALIGNED, (long) index * DESCRIPTOR_SIZE);
    }

    /** {@code desc[index].len}, unsigned. */
    public static long descriptorLength(MemorySegment table, int index) {
        return table.get(U32_UNALIGNED, (long) index * DESCRIPTOR_SIZE + 8) & 0xffff_ffffL;
    }

    /** {@code desc[index].flags}. */
    public static int descriptorFlags(MemorySegment table, int index) {
        return table.get(U16_UNALIGNED, (long) index * DESCRIPTOR_SIZE + 12) & 0xffff;
    }

    /** {@code desc[index].next}. */
    public static int descriptorNext(MemorySegment table, int index) {
        return table.get(U16_UNALIGNED, (long) index * DESCRIPTOR_SIZE + 14) & 0xffff;
    }

    /** Writes {@code desc[index]} (plain stores; published by the avail index release). */
    public static void writeDescriptor(MemorySegment table, int index, long address, long length, int flags, int next) {
        long base = (long) index * DESCRIPTOR_SIZE;
        table.set(U64_UNALIGNED, base, address);
        table.set(U32_UNALIGNED, base + 8, (int) length);
        table.set(U16_UNALIGNED, base + 12, (short) flags);
        table.set(U16_UNALIGNED, base + 14, (short) next);
    }

    // ---- available ring (struct vring_avail: le16 flags, le16 idx, le16 ring[size], le16 used_event) ----

    /** {@code avail->flags}, an opaque load (a hint: read after a full fence where it matters). */
    public static int availFlagsOpaque(MemorySegment avail) {
        return (short) U16_HANDLE.getOpaque(avail, AVAIL_FLAGS) & 0xffff;
    }

    /** Sets {@code avail->flags} (driver side), an opaque store. */
    public static void setAvailFlagsOpaque(MemorySegment avail, int flags) {
        U16_HANDLE.setOpaque(avail, AVAIL_FLAGS, (short) flags);
    }

    /**
     * {@code avail->idx} with acquire semantics: every ring entry and descriptor the driver wrote
     * before publishing this index is visible afterwards.
     */
    public static int availIdxAcquire(MemorySegment avail) {
        return (short) U16_HANDLE.getAcquire(avail, AVAIL_IDX) & 0xffff;
    }

    /**
     * Publishes {@code avail->idx} with release semantics (driver side): the ring entries and
     * descriptors written before become visible to a device that acquires the index.
     */
    public static void publishAvailIdxRelease(MemorySegment avail, int idx) {
        U16_HANDLE.setRelease(avail, AVAIL_IDX, (short) idx);
    }

    /** {@code avail->ring[slot]}, a plain load ordered by {@link #availIdxAcquire}. */
    public static int availRingEntry(MemorySegment avail, int slot) {
        return avail.get(U16_UNALIGNED, AVAIL_RING + 2L * slot) & 0xffff;
    }

    /** Writes {@code avail->ring[slot]} (driver side; published by the index release). */
    public static void setAvailRingEntry(MemorySegment avail, int slot, int head) {
        avail.set(U16_UNALIGNED, AVAIL_RING + 2L * slot, (short) head);
    }

    /** {@code avail->used_event} (after {@code ring[size]}), an opaque load. */
    public static int usedEventOpaque(MemorySegment avail, int size) {
        return (short) U16_HANDLE.getOpaque(avail, AVAIL_RING + 2L * size) & 0xffff;
    }

    /** Sets {@code avail->used_event} (driver side), an opaque store. */
    public static void setUsedEventOpaque(MemorySegment avail, int size, int value) {
        U16_HANDLE.setOpaque(avail, AVAIL_RING + 2L * size, (short) value);
    }

    // ---- used ring (struct vring_used: le16 flags, le16 idx, {le32 id, le32 len} ring[size], le16 avail_event) ----

    /** {@code used->flags}, an opaque load. */
    public static int usedFlagsOpaque(MemorySegment used) {
        return (short) U16_HANDLE.getOpaque(used, USED_FLAGS) & 0xffff;
    }

    /**
     * Sets {@code used->flags} (device side): a plain store, which the JVM can turn into an
     * exception when the page is gone (see the class comment); a hint, ordered where it matters
     * by the full fence that follows it in {@link SplitQueue}.
     */
    public static void setUsedFlagsOpaque(MemorySegment used, int flags) {
        used.set(U16, USED_FLAGS, (short) flags);
    }

    /** {@code used->idx} with acquire semantics (driver side): used elements before it are visible. */
    public static int usedIdxAcquire(MemorySegment used) {
        return (short) U16_HANDLE.getAcquire(used, USED_IDX) & 0xffff;
    }

    /**
     * Publishes {@code used->idx} with release semantics (device side): the used elements and the
     * bytes written into the buffers before become visible to a driver that acquires the index.
     */
    public static void publishUsedIdxRelease(MemorySegment used, int idx) {
        // Release fence, then a plain store: the same ordering as a release store, but a plain
        // store into a page that is gone becomes an exception, not a crash (class comment).
        VarHandle.releaseFence();
        used.set(U16, USED_IDX, (short) idx);
    }

    /** {@code used->ring[slot].id}. */
    public static int usedElementId(MemorySegment used, int slot) {
        return used.get(U32_UNALIGNED, USED_RING + (long) USED_ELEMENT_SIZE * slot);
    }

    /** {@code used->ring[slot].len}, unsigned. */
    public static long usedElementLength(MemorySegment used, int slot) {
        return used.get(U32_UNALIGNED, USED_RING + (long) USED_ELEMENT_SIZE * slot + 4) & 0xffff_ffffL;
    }

    /** Writes {@code used->ring[slot]} (plain stores; published by the used index release). */
    public static void setUsedElement(MemorySegment used, int slot, int id, int length) {
        long base = USED_RING + (long) USED_ELEMENT_SIZE * slot;
        used.set(U32_UNALIGNED, base, id);
        used.set(U32_UNALIGNED, base + 4, length);
    }

    /** {@code used->avail_event} (after {@code ring[size]}), an opaque load. */
    public static int availEventOpaque(MemorySegment used, int size) {
        return (short) U16_HANDLE.getOpaque(used, USED_RING + (long) USED_ELEMENT_SIZE * size) & 0xffff;
    }

    /**
     * Sets {@code used->avail_event} (device side): a plain store (see the class comment), made
     * visible by the full fence that follows it in {@link SplitQueue#enableNotificationsAfterFence}.
     */
    public static void setAvailEventOpaque(MemorySegment used, int size, int value) {
        used.set(U16, USED_RING + (long) USED_ELEMENT_SIZE * size, (short) value);
    }

    // ---- sizes and the event index rule ----

    /** Bytes of a descriptor table of {@code size} entries. */
    public static long descriptorTableBytes(int size) {
        return (long) DESCRIPTOR_SIZE * size;
    }

    /** Bytes of an available ring of {@code size} entries, {@code used_event} included. */
    public static long availRingBytes(int size) {
        return 6 + 2L * size;
    }

    /** Bytes of a used ring of {@code size} entries, {@code avail_event} included. */
    public static long usedRingBytes(int size) {
        return 6 + (long) USED_ELEMENT_SIZE * size;
    }

    /**
     * {@code vring_need_event}: whether moving an index from {@code oldIdx} to {@code newIdx}
     * crossed {@code eventIdx}, all modulo 2^16 (VIRTIO 1.2 §2.7.10, §2.7.7.2).
     */
    public static boolean needsEvent(int eventIdx, int newIdx, int oldIdx) {
        return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
    }
}
