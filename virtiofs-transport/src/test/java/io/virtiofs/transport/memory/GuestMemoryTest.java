package io.virtiofs.transport.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GuestMemoryTest {

    private final Arena arena = Arena.ofShared();
    private final MemorySegment low = arena.allocate(0x1000, 4096);
    private final MemorySegment high = arena.allocate(0x2000, 4096);
    private final GuestRegion lowRegion = GuestRegion.ofSegment(0x10_0000, low);
    private final GuestRegion highRegion = GuestRegion.ofSegment(0x20_0000, high);

    @AfterEach
    void closeArena() {
        arena.close();
    }

    @Test
    void translatesInsideEachRegionWithoutCopying() {
        GuestMemory memory = GuestMemory.of(highRegion, lowRegion);
        assertEquals(List.of(lowRegion, highRegion), memory.regions());

        MemorySegment slice = memory.segment(0x20_0010, 4);
        slice.set(ValueLayout.JAVA_INT_UNALIGNED, 0, 0x11223344);
        assertEquals(0x11223344, high.get(ValueLayout.JAVA_INT_UNALIGNED, 0x10));
        assertEquals(4, slice.byteSize());
        assertEquals(high.address() + 0x10, slice.address());

        MemorySegment last = memory.segment(0x10_0ffc, 4);
        assertEquals(low.address() + 0xffc, last.address());
        assertSame(highRegion, memory.regionOf(0x20_1fff, 1));
        assertSame(lowRegion, memory.regionOf(0x10_1000, 0), "an empty range at a region's end is inside it");
    }

    @Test
    void rangesOutsideOrAcrossRegionsFailNamingAddressAndLength() {
        GuestMemory memory = GuestMemory.of(lowRegion, highRegion);
        GuestMemoryException before = assertThrows(GuestMemoryException.class, () -> memory.segment(0xf_ffff, 1));
        assertEquals(0xf_ffffL, before.address());
        assertEquals(1, before.length());
        assertTrue(before.getMessage().contains("0xfffff"), before.getMessage());

        GuestMemoryException past = assertThrows(GuestMemoryException.class, () -> memory.segment(0x10_0ff0, 0x11));
        assertEquals(0x10_0ff0L, past.address());
        assertEquals(0x11, past.length());
        assertTrue(past.getMessage().contains("runs past the end"), past.getMessage());

        assertThrows(GuestMemoryException.class, () -> memory.segment(0x10_1000, 1), "gap between regions");
        assertThrows(GuestMemoryException.class, () -> memory.segment(0x20_2000, 1), "after the last region");
        assertThrows(GuestMemoryException.class, () -> memory.segment(0x10_0000, 0x20_0000),
                "a range across two regions");
    }

    @Test
    void overflowingArithmeticIsRefused() {
        GuestMemory memory = GuestMemory.of(lowRegion, highRegion);
        assertThrows(GuestMemoryException.class, () -> memory.segment(0x10_0001, Long.MAX_VALUE));
        assertThrows(GuestMemoryException.class, () -> memory.segment(Long.MAX_VALUE, 2));
        assertThrows(GuestMemoryException.class, () -> memory.segment(-1L, 1), "u64 addresses above 2^63");
        GuestMemoryException negative = assertThrows(GuestMemoryException.class, () -> memory.segment(0x10_0000, -1L));
        assertEquals(-1L, negative.length());
        assertTrue(negative.getMessage().contains("18446744073709551615"), negative.getMessage());
    }

    @Test
    void overlappingRegionsAreRefused() {
        GuestRegion overlapping = GuestRegion.ofSegment(0x10_0800, arena.allocate(0x1000, 4096).asSlice(0x800));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> GuestMemory.of(lowRegion, overlapping));
        assertTrue(refused.getMessage().contains("overlaps"), refused.getMessage());
        assertFalse(lowRegion.isReleased(), "a refused snapshot took no reference");
    }

    @Test
    void regionsMustBeNativeAndCongruentWithTheirGuestAddress() {
        assertThrows(IllegalArgumentException.class, () -> GuestRegion.ofSegment(0, MemorySegment.ofArray(new byte[64])));
        assertThrows(IllegalArgumentException.class, () -> GuestRegion.ofSegment(0x1001, low));
        assertThrows(IllegalArgumentException.class, () -> GuestRegion.ofSegment(0x1000, low.asSlice(0, 0)));
    }

    @Test
    void userAddressesTranslateThroughTheirRegion() throws Exception {
        GuestMemory memory = GuestMemory.of(lowRegion, highRegion);
        assertEquals(0x20_0123L, memory.guestAddressOfUser(0x20_0123));
        GuestMemoryException missing = assertThrows(GuestMemoryException.class,
                () -> memory.guestAddressOfUser(0x30_0000));
        assertEquals(0x30_0000L, missing.address());
    }

    @Test
    void snapshotReleasesItsRegionsWhenItsLastUserLeaves() {
        GuestMemory memory = GuestMemory.of(lowRegion);
        assertTrue(memory.tryRetain());
        memory.release();
        assertFalse(memory.isDrained());
        assertFalse(lowRegion.isReleased());
        memory.release();
        assertTrue(memory.isDrained());
        assertTrue(memory.drained().isDone());
        assertTrue(lowRegion.isReleased(), "the only snapshot holding the region drained");
        assertFalse(memory.tryRetain(), "a drained snapshot takes no new users");
        assertThrows(IllegalStateException.class, () -> GuestMemory.of(lowRegion), "a released region is gone");
    }

    @Test
    void copyingBytesThroughSegmentsKeepsEveryByte() {
        GuestMemory memory = GuestMemory.of(lowRegion);
        byte[] pattern = new byte[256];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 7 + 3);
        }
        MemorySegment.copy(pattern, 0, memory.segment(0x10_0100, 256), ValueLayout.JAVA_BYTE, 0, 256);
        assertArrayEquals(pattern, low.asSlice(0x100, 256).toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void withAndWithoutBuildNewSnapshots() {
        GuestMemory one = GuestMemory.of(lowRegion);
        GuestMemory two = one.with(highRegion);
        assertEquals(List.of(lowRegion, highRegion), two.regions());
        assertEquals(List.of(lowRegion), one.regions(), "snapshots are immutable");
        GuestMemory back = two.without(lowRegion);
        assertEquals(List.of(highRegion), back.regions());
        assertThrows(IllegalArgumentException.class, () -> back.without(lowRegion));
        one.release();
        two.release();
        assertTrue(lowRegion.isReleased(), "no snapshot holds it any more");
        assertFalse(highRegion.isReleased());
        back.release();
        assertTrue(highRegion.isReleased());
    }
}
