package io.virtiofs.transport.virtqueue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Byte layouts of the split ring, against {@code <linux/virtio_ring.h>}. */
class SplitRingTest {

    private static final HexFormat HEX = HexFormat.of();
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    private static byte[] bytes(MemorySegment segment) {
        return segment.toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void descriptorIsSixteenLittleEndianBytes() {
        MemorySegment table = arena.allocate(32, 16);
        SplitRing.writeDescriptor(table, 1, 0x1122334455667788L, 0x99aabbccL, SplitRing.DESC_F_NEXT | SplitRing.DESC_F_WRITE,
                0x0102);
        assertArrayEquals(HEX.parseHex("00000000000000000000000000000000" + "8877665544332211" + "ccbbaa99" + "0300"
                + "0201"), bytes(table));
        assertEquals(0x1122334455667788L, SplitRing.descriptorAddress(table, 1));
        assertEquals(0x99aabbccL, SplitRing.descriptorLength(table, 1), "lengths are unsigned");
        assertEquals(3, SplitRing.descriptorFlags(table, 1));
        assertEquals(0x0102, SplitRing.descriptorNext(table, 1));
    }

    @Test
    void availableRingBytes() {
        int size = 4;
        MemorySegment avail = arena.allocate(SplitRing.availRingBytes(size), 2);
        assertEquals(14, avail.byteSize(), "flags, idx, ring[4], used_event");
        SplitRing.setAvailFlagsOpaque(avail, SplitRing.AVAIL_F_NO_INTERRUPT);
        SplitRing.setAvailRingEntry(avail, 1, 0x0201);
        SplitRing.setAvailRingEntry(avail, 3, 0xfffe);
        SplitRing.publishAvailIdxRelease(avail, 0xabcd);
        SplitRing.setUsedEventOpaque(avail, size, 0x0708);
        assertArrayEquals(HEX.parseHex("0100" + "cdab" + "0000" + "0102" + "0000" + "feff" + "0807"), bytes(avail));
        assertEquals(0xabcd, SplitRing.availIdxAcquire(avail));
        assertEquals(0xfffe, SplitRing.availRingEntry(avail, 3));
        assertEquals(0x0708, SplitRing.usedEventOpaque(avail, size));
        assertEquals(1, SplitRing.availFlagsOpaque(avail));
    }

    @Test
    void usedRingBytes() {
        int size = 2;
        MemorySegment used = arena.allocate(SplitRing.usedRingBytes(size), 4);
        assertEquals(22, used.byteSize(), "flags, idx, ring[2] of {id, len}, avail_event");
        SplitRing.setUsedFlagsOpaque(used, SplitRing.USED_F_NO_NOTIFY);
        SplitRing.setUsedElement(used, 1, 5, 0x01020304);
        SplitRing.publishUsedIdxRelease(used, 0xffff);
        SplitRing.setAvailEventOpaque(used, size, 0x0708);
        assertArrayEquals(HEX.parseHex("0100" + "ffff" + "00000000" + "00000000" + "05000000" + "04030201" + "0807"),
                bytes(used));
        assertEquals(0xffff, SplitRing.usedIdxAcquire(used));
        assertEquals(5, SplitRing.usedElementId(used, 1));
        assertEquals(0x01020304L, SplitRing.usedElementLength(used, 1));
        assertEquals(0x0708, SplitRing.availEventOpaque(used, size));
    }

    /**
     * Offsets from the kernel's {@code vring_init(&vr, size, 0x10000, 4096)} and
     * {@code vring_size(size, 4096)} ({@code <linux/virtio_ring.h>}, compiled once with gcc).
     */
    @ParameterizedTest
    @CsvSource({
        "1, 4110, 16, 4096, 22, 4108",
        "8, 4166, 128, 4096, 148, 4164",
        "256, 10246, 4096, 8192, 4612, 10244",
        "1024, 28678, 16384, 20480, 18436, 28676",
        "32768, 856070, 524288, 593920, 589828, 856068"})
    void contiguousLayoutMatchesVringInit(int size, long vringSize, long avail, long used, long usedEvent, long availEvent) {
        long base = 0x10000;
        RingLayout layout = RingLayout.contiguous(size, base, 4096);
        assertEquals(base, layout.descriptorTable());
        assertEquals(base + avail, layout.availRing());
        assertEquals(base + used, layout.usedRing());
        assertEquals(vringSize, layout.end() - base);
        assertEquals(usedEvent, avail + 4 + 2L * size, "used_event follows ring[size]");
        assertEquals(availEvent, used + 4 + 8L * size, "avail_event follows ring[size]");
    }

    @Test
    void layoutRefusesBadSizesAndAlignment() {
        for (int size : new int[] {0, 3, 65536, -8, 32769}) {
            assertThrows(IllegalArgumentException.class, () -> new RingLayout(size, 0, 0, 0), "size " + size);
        }
        assertThrows(IllegalArgumentException.class, () -> new RingLayout(8, 8, 0, 0), "descriptor table 16-aligned");
        assertThrows(IllegalArgumentException.class, () -> new RingLayout(8, 0, 1, 0), "avail ring 2-aligned");
        assertThrows(IllegalArgumentException.class, () -> new RingLayout(8, 0, 0, 2), "used ring 4-aligned");
        assertThrows(IllegalArgumentException.class, () -> new RingLayout(8, -16, 0, 0), "negative address");
        assertEquals(new RingLayout(32768, 16, 2, 4), new RingLayout(32768, 16, 2, 4));
    }

    /** {@code vring_need_event}'s answers, from the kernel header compiled with gcc. */
    @Test
    void needsEventFollowsTheKernelRule() {
        assertTrue(SplitRing.needsEvent(0xffff, 1, 0xfffe), "crossing the event across the wrap");
        assertFalse(SplitRing.needsEvent(5, 5, 4), "event not reached");
        assertTrue(SplitRing.needsEvent(4, 5, 4), "event reached exactly");
        assertFalse(SplitRing.needsEvent(10, 20, 15), "event was before this batch");
        assertFalse(SplitRing.needsEvent(7, 7, 7), "nothing new");
    }

    @Test
    void ringFeaturesReadTheirBits() {
        assertEquals(new RingFeatures(true, false), RingFeatures.of(1L << 28));
        assertEquals(new RingFeatures(false, true), RingFeatures.of(1L << 29 | 1L << 32));
        assertEquals(new RingFeatures(false, false), RingFeatures.of(0));
    }
}
