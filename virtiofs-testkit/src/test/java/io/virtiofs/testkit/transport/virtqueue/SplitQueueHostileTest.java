package io.virtiofs.testkit.transport.virtqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.memory.GuestMemory;
import io.virtiofs.transport.memory.GuestRegion;
import io.virtiofs.transport.virtqueue.DescriptorChain;
import io.virtiofs.transport.virtqueue.QueueFault;
import io.virtiofs.transport.virtqueue.QueueFaultException;
import io.virtiofs.transport.virtqueue.RingFeatures;
import io.virtiofs.transport.virtqueue.RingLayout;
import io.virtiofs.transport.virtqueue.SplitQueue;
import io.virtiofs.transport.virtqueue.SplitRing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every way a driver can break the ring: a typed fault, the queue broken for good (every later
 * call throws the same fault), nothing loops or waits.
 */
@Timeout(5)
class SplitQueueHostileTest {

    private static final int NEXT = SplitRing.DESC_F_NEXT;
    private static final int WRITE = SplitRing.DESC_F_WRITE;
    private static final int INDIRECT = SplitRing.DESC_F_INDIRECT;
    private static final RingFeatures ALL = new RingFeatures(true, true);

    /** Offers {@code head}, pops, and checks the fault and that the queue stays broken. */
    private static QueueFaultException expectFault(RingFixture ring, int head, QueueFault expected) {
        ring.driver.offerRawHead(head);
        ring.driver.publish();
        QueueFaultException fault = assertThrows(QueueFaultException.class, () -> {
            ring.device.availableChains();
            ring.device.popChain();
        });
        return assertBroken(ring, fault, expected);
    }

    private static QueueFaultException assertBroken(RingFixture ring, QueueFaultException fault, QueueFault expected) {
        assertEquals(expected, fault.fault(), fault.getMessage());
        assertEquals(1, fault.queueIndex());
        assertTrue(ring.device.isBroken());
        assertSame(fault, ring.device.fault().orElseThrow());
        assertSame(fault, assertThrows(QueueFaultException.class, ring.device::availableChains));
        assertSame(fault, assertThrows(QueueFaultException.class, ring.device::popChain));
        assertSame(fault, assertThrows(QueueFaultException.class, ring.device::enableNotificationsAfterFence));
        assertSame(fault, assertThrows(QueueFaultException.class, () -> ring.device.bind(ring.snapshot)));
        assertEquals(false, ring.device.needsNotificationAfterFence());
        return fault;
    }

    @Test
    void loopingChainIsCaughtByItsLength() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            long buffer = ring.buffer(16, 1);
            ring.driver.writeRawDescriptor(0, buffer, 16, NEXT, 1);
            ring.driver.writeRawDescriptor(1, buffer, 16, NEXT, 2);
            ring.driver.writeRawDescriptor(2, buffer, 16, NEXT, 0);
            expectFault(ring, 0, QueueFault.CHAIN_LOOP);
        }
    }

    @Test
    void chainAsLongAsTheQueueIsFine() throws Exception {
        try (RingFixture ring = new RingFixture(4, ALL, 0)) {
            long buffer = ring.buffer(16, 1);
            for (int i = 0; i < 4; i++) {
                ring.driver.writeRawDescriptor(i, buffer, 16, i < 3 ? NEXT : 0, i + 1);
            }
            ring.driver.offerRawHead(0);
            ring.driver.publish();
            assertEquals(1, ring.device.availableChains());
            assertEquals(4, ring.device.popChain().descriptorCount());
        }
    }

    @Test
    void selfLoopInsideAnIndirectTable() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            long buffer = ring.buffer(16, 1);
            long table = ring.memory.allocate(32, 16);
            var segment = ring.memory.segment(table, 32);
            SplitRing.writeDescriptor(segment, 0, buffer, 16, NEXT, 1);
            SplitRing.writeDescriptor(segment, 1, buffer, 16, NEXT, 1);
            ring.driver.writeRawDescriptor(3, table, 32, INDIRECT, 0);
            QueueFaultException fault = expectFault(ring, 3, QueueFault.CHAIN_LOOP);
            assertTrue(fault.getMessage().contains("indirect"), fault.getMessage());
        }
    }

    @Test
    void nestedIndirectTable() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            long inner = ring.memory.allocate(16, 16);
            long outer = ring.memory.allocate(16, 16);
            SplitRing.writeDescriptor(ring.memory.segment(inner, 16), 0, ring.buffer(8, 1), 8, 0, 0);
            SplitRing.writeDescriptor(ring.memory.segment(outer, 16), 0, inner, 16, INDIRECT, 0);
            ring.driver.writeRawDescriptor(0, outer, 16, INDIRECT, 0);
            expectFault(ring, 0, QueueFault.NESTED_INDIRECT);
        }
    }

    @Test
    void indirectTableLengthNotAMultipleOfSixteen() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            ring.driver.writeRawDescriptor(0, ring.memory.allocate(32, 16), 24, INDIRECT, 0);
            expectFault(ring, 0, QueueFault.INDIRECT_TABLE_LENGTH);
        }
    }

    @Test
    void emptyIndirectTable() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            ring.driver.writeRawDescriptor(0, ring.memory.allocate(32, 16), 0, INDIRECT, 0);
            expectFault(ring, 0, QueueFault.INDIRECT_TABLE_LENGTH);
        }
    }

    @Test
    void indirectWithNext() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            ring.driver.writeRawDescriptor(0, ring.memory.allocate(32, 16), 32, INDIRECT | NEXT, 1);
            expectFault(ring, 0, QueueFault.INDIRECT_WITH_NEXT);
        }
    }

    @Test
    void indirectWithoutTheFeature() throws Exception {
        try (RingFixture ring = new RingFixture(8, new RingFeatures(false, true), 0)) {
            ring.driver.writeRawDescriptor(0, ring.memory.allocate(32, 16), 32, INDIRECT, 0);
            expectFault(ring, 0, QueueFault.INDIRECT_NOT_NEGOTIATED);
        }
    }

    @Test
    void headOutOfRange() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            expectFault(ring, 8, QueueFault.DESCRIPTOR_INDEX_OUT_OF_RANGE);
        }
    }

    @Test
    void nextOutOfRange() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            ring.driver.writeRawDescriptor(0, ring.buffer(8, 1), 8, NEXT, 0xffff);
            expectFault(ring, 0, QueueFault.DESCRIPTOR_INDEX_OUT_OF_RANGE);
        }
    }

    @Test
    void nextOutOfRangeOfAnIndirectTable() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            long table = ring.memory.allocate(32, 16);
            SplitRing.writeDescriptor(ring.memory.segment(table, 32), 0, ring.buffer(8, 1), 8, NEXT, 2);
            ring.driver.writeRawDescriptor(0, table, 32, INDIRECT, 0);
            expectFault(ring, 0, QueueFault.DESCRIPTOR_INDEX_OUT_OF_RANGE);
        }
    }

    @Test
    void bufferOutsideGuestMemory() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            ring.driver.writeRawDescriptor(0, RingFixture.GUEST_BASE - 16, 32, 0, 0);
            QueueFaultException fault = expectFault(ring, 0, QueueFault.ADDRESS_OUT_OF_MEMORY);
            assertTrue(fault.getMessage().contains("0x" + Long.toHexString(RingFixture.GUEST_BASE - 16)), fault.getMessage());
        }
    }

    @Test
    void bufferRunningPastTheEndOfGuestMemory() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            ring.driver.writeRawDescriptor(0, RingFixture.GUEST_BASE + ring.memory.size() - 8, 0xffff_ffffL, WRITE, 0);
            expectFault(ring, 0, QueueFault.ADDRESS_OUT_OF_MEMORY);
        }
    }

    @Test
    void addressThatOverflowsSixtyFourBits() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            ring.driver.writeRawDescriptor(0, -8L, 16, 0, 0);
            expectFault(ring, 0, QueueFault.ADDRESS_OUT_OF_MEMORY);
        }
    }

    @Test
    void indirectTableOutsideGuestMemory() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            ring.driver.writeRawDescriptor(0, 0x1000, 32, INDIRECT, 0);
            expectFault(ring, 0, QueueFault.ADDRESS_OUT_OF_MEMORY);
        }
    }

    @Test
    void availIndexJumpingPastTheQueueSize() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0xfff0)) {
            ring.driver.publishRawAvailIdx(0xfff0 + 9);
            QueueFaultException fault = assertThrows(QueueFaultException.class, ring.device::availableChains);
            assertBroken(ring, fault, QueueFault.AVAIL_INDEX_JUMP);
        }
    }

    @Test
    void availIndexMovingBackwardsIsAJumpToo() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 100)) {
            ring.driver.publishRawAvailIdx(99);
            QueueFaultException fault = assertThrows(QueueFaultException.class, ring.device::availableChains);
            assertBroken(ring, fault, QueueFault.AVAIL_INDEX_JUMP);
        }
    }

    @Test
    void readableAfterWritable() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            long buffer = ring.buffer(16, 1);
            ring.driver.chain().writable(buffer, 8).readable(buffer, 8).add();
            ring.driver.publish();
            QueueFaultException fault = assertThrows(QueueFaultException.class, () -> {
                ring.device.availableChains();
                ring.device.popChain();
            });
            assertBroken(ring, fault, QueueFault.READABLE_AFTER_WRITABLE);
        }
    }

    @Test
    void readableAfterWritableInsideAnIndirectTable() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            long buffer = ring.buffer(16, 1);
            ring.driver.chain().writable(buffer, 8).readable(buffer, 8).indirect(true).add();
            ring.driver.publish();
            QueueFaultException fault = assertThrows(QueueFaultException.class, () -> {
                ring.device.availableChains();
                ring.device.popChain();
            });
            assertBroken(ring, fault, QueueFault.READABLE_AFTER_WRITABLE);
        }
    }

    @Test
    void headOfferedAgainWhileInFlight() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            int head = ring.driver.chain().readable(ring.buffer(8, 1), 8).add();
            ring.driver.offerRawHead(head);
            ring.driver.publish();
            assertEquals(2, ring.device.availableChains());
            DescriptorChain first = ring.device.popChain();
            QueueFaultException fault = assertThrows(QueueFaultException.class, ring.device::popChain);
            assertBroken(ring, fault, QueueFault.HEAD_IN_USE);
            ring.device.addUsed(first, 0);
            assertEquals(0, ring.device.inFlight(), "completions on a broken queue are only forgotten");
            assertEquals(0, ring.driver.pendingUsed(), "and never reach the used ring");
        }
    }

    @Test
    void ringsOutsideGuestMemory() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            SplitQueue queue = new SplitQueue(1, new RingLayout(8, 0x1000, 0x2000, 0x3000), ALL, 0, 0);
            QueueFaultException fault = assertThrows(QueueFaultException.class, () -> queue.bind(ring.snapshot));
            assertEquals(QueueFault.RING_OUT_OF_MEMORY, fault.fault());
            assertTrue(queue.isBroken());
            assertThrows(IllegalStateException.class, () -> new SplitQueue(2, ring.driver.layout(), ALL, 0, 0)
                    .availableChains(), "an unbound queue is a programming error");
        }
    }

    @Test
    void chainLargerThanTwoGigabytes() throws Exception {
        // A sparse 3 GiB memfd: the walk checks lengths without touching the memory.
        int fd = MemoryCalls.memfdCreate("virtiofs-test-sparse", MemoryCalls.MFD_CLOEXEC);
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            long big = 3L << 30;
            MemoryCalls.ftruncate(fd, big);
            GuestRegion sparse = GuestRegion.mapFile(0x4_0000_0000L, big, 0, fd, 0);
            GuestMemory memory = GuestMemory.of(ring.memory.region(), sparse);
            ring.device.bind(memory);
            ring.driver.chain().writable(0x4_0000_0000L, 0x6000_0000L).writable(0x4_6000_0000L, 0x6000_0000L).add();
            ring.driver.publish();
            QueueFaultException fault = assertThrows(QueueFaultException.class, () -> {
                ring.device.availableChains();
                ring.device.popChain();
            });
            assertEquals(QueueFault.CHAIN_TOO_LARGE, fault.fault());
            memory.release();
            assertTrue(sparse.isReleased());
        } finally {
            MemoryCalls.close(fd);
        }
    }

    @Test
    void tooLargeReplyBreaksTheQueueThroughTheDevice() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            ring.driver.chain().readable(ring.buffer(8, 1), 8).writable(ring.buffer(8, 0), 8).add();
            ring.driver.publish();
            ring.device.availableChains();
            DescriptorChain chain = ring.device.popChain();
            QueueFaultException fault = ring.device.breakWith(QueueFault.REPLY_TOO_LARGE, "reply of 100 bytes");
            assertBroken(ring, fault, QueueFault.REPLY_TOO_LARGE);
            assertSame(fault, ring.device.breakWith(QueueFault.CHAIN_LOOP, "later"), "the first fault stays");
            ring.device.addUsed(chain, 0);
            assertEquals(-1, ring.driver.reapUsed());
        }
    }

    @Test
    void theMockDriverRefusesUsedIdsItNeverOffered() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0)) {
            SplitRing.setUsedElement(ring.driver.usedRing(), 0, 5, 0);
            SplitRing.publishUsedIdxRelease(ring.driver.usedRing(), 1);
            IllegalStateException refused = assertThrows(IllegalStateException.class, ring.driver::reapUsed,
                    "the mock checks the device too");
            assertTrue(refused.getMessage().contains("used id 5"), refused.getMessage());
        }
    }
}
