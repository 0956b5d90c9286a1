package io.virtiofs.testkit.transport.virtqueue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.virtiofs.testkit.mock.DriverQueue;
import io.virtiofs.transport.virtqueue.DescriptorChain;
import io.virtiofs.transport.virtqueue.RingFeatures;
import io.virtiofs.transport.virtqueue.RingLayout;
import io.virtiofs.transport.virtqueue.SplitRing;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class SplitQueueTest {

    private static final RingFeatures PLAIN = new RingFeatures(false, false);
    private static final RingFeatures ALL = new RingFeatures(true, true);

    @Test
    void oneDescriptorPerDirectionGivesWrappedSlices() throws Exception {
        try (RingFixture ring = new RingFixture(8, PLAIN, 0)) {
            long request = ring.buffer(64, 1);
            long reply = ring.buffer(128, 0);
            int head = ring.driver.chain().readable(request, 64).writable(reply, 128).add();
            ring.driver.publish();

            assertEquals(1, ring.device.availableChains());
            DescriptorChain chain = ring.device.popChain();
            assertEquals(head, chain.headIndex());
            assertEquals(2, chain.descriptorCount());
            assertEquals(1, chain.readableDescriptorCount());
            assertFalse(chain.isIndirect());
            assertEquals(request, chain.descriptorAddress(0));
            assertEquals(reply, chain.descriptorAddress(1));
            assertTrue(chain.isWritable(1));
            assertFalse(chain.isWritable(0));

            ByteBuf readable = chain.readable();
            assertEquals(0, readable.readerIndex());
            assertEquals(64, readable.readableBytes());
            assertTrue(readable.isReadOnly());
            assertArrayEquals(ring.bytes(request, 64), ByteBufUtil.getBytes(readable));

            ByteBuf writable = chain.writable();
            assertEquals(0, writable.writerIndex());
            assertEquals(128, writable.maxWritableBytes());
            assertEquals(128, writable.capacity());
            writable.writeLongLE(0x0807060504030201L).writeIntLE(0x0c0b0a09);
            assertArrayEquals(HexFormat.of().parseHex("0102030405060708090a0b0c"), ring.bytes(reply, 12),
                    "written straight into guest memory");
            assertEquals(List.of(64L, 128L), List.of(chain.readableSegments().getFirst().byteSize(),
                    chain.writableSegments().getFirst().byteSize()));
            assertEquals(ring.memory.segment(reply, 128).address(), chain.writableSegments().getFirst().address());

            ring.device.addUsed(chain, 12);
            assertEquals(0, ring.device.inFlight());
            // used ring: flags 0, idx 1, ring[0] = {head, 12}
            byte[] usedHead = ring.driver.usedRing().asSlice(0, 12).toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals(HexFormat.of().parseHex("0000" + "0100" + String.format("%02x000000", head) + "0c000000"),
                    usedHead);
            long element = ring.driver.reapUsed();
            assertEquals(head, DriverQueue.usedId(element));
            assertEquals(12, DriverQueue.usedLength(element));
            assertEquals(-1, ring.driver.reapUsed());
            assertEquals(8, ring.driver.freeDescriptors());
        }
    }

    @Test
    void severalDescriptorsGiveAFixedSizeComposite() throws Exception {
        try (RingFixture ring = new RingFixture(8, PLAIN, 0)) {
            long header = ring.buffer(40, 2);
            long body = ring.buffer(24, 3);
            long empty = ring.buffer(0, 0);
            long out1 = ring.buffer(16, 0);
            long out2 = ring.buffer(100, 0);
            ring.driver.chain().readable(header, 40).readable(empty, 0).readable(body, 24)
                    .writable(out1, 16).writable(out2, 100).add();
            ring.driver.publish();
            assertEquals(1, ring.device.availableChains());
            DescriptorChain chain = ring.device.popChain();
            assertEquals(5, chain.descriptorCount());
            assertEquals(64, chain.readableLength());
            assertEquals(116, chain.writableLength());

            byte[] expected = new byte[64];
            System.arraycopy(ring.bytes(header, 40), 0, expected, 0, 40);
            System.arraycopy(ring.bytes(body, 24), 0, expected, 40, 24);
            assertArrayEquals(expected, ByteBufUtil.getBytes(chain.readable()), "zero-length descriptors are skipped");

            ByteBuf writable = chain.writable();
            assertEquals(116, writable.maxWritableBytes());
            byte[] reply = new byte[116];
            for (int i = 0; i < reply.length; i++) {
                reply[i] = (byte) (200 - i);
            }
            writable.writeBytes(reply);
            assertThrows(IndexOutOfBoundsException.class, () -> writable.writeByte(0), "the view cannot grow");
            assertArrayEquals(java.util.Arrays.copyOfRange(reply, 0, 16), ring.bytes(out1, 16));
            assertArrayEquals(java.util.Arrays.copyOfRange(reply, 16, 116), ring.bytes(out2, 100));
            assertEquals(116, writable.writerIndex());
            ring.device.addUsed(chain, 116);
            assertEquals(116, DriverQueue.usedLength(ring.driver.reapUsed()));
        }
    }

    @Test
    void indirectTablesAreFollowed() throws Exception {
        try (RingFixture ring = new RingFixture(4, ALL, 0)) {
            long a = ring.buffer(10, 4);
            long b = ring.buffer(20, 5);
            long c = ring.buffer(30, 0);
            int head = ring.driver.chain().readable(a, 10).readable(b, 20).writable(c, 30).indirect(true).add();
            assertEquals(3, ring.driver.freeDescriptors(), "one descriptor for the whole chain");
            ring.driver.publish();
            ring.device.availableChains();
            DescriptorChain chain = ring.device.popChain();
            assertEquals(head, chain.headIndex());
            assertTrue(chain.isIndirect());
            assertEquals(3, chain.descriptorCount());
            assertEquals(List.of(a, b, c), List.of(chain.descriptorAddress(0), chain.descriptorAddress(1),
                    chain.descriptorAddress(2)));
            assertEquals(30, chain.writableLength());
            assertEquals(30, chain.readable().readableBytes());
            assertEquals(2, chain.readable().nioBufferCount(), "one stream over two descriptors");
        }
    }

    @Test
    void aHeadKeepsItsViewsForWhicheverBuffers() throws Exception {
        try (RingFixture ring = new RingFixture(8, PLAIN, 0)) {
            long request = ring.buffer(48, 6);
            long reply = ring.buffer(64, 0);
            ring.driver.chain().readable(request, 48).writable(reply, 64).add();
            ring.driver.publish();
            ring.device.availableChains();
            DescriptorChain first = ring.device.popChain();
            ByteBuf readable = first.readable();
            ByteBuf writable = first.writable();
            readable.skipBytes(20);
            writable.writeInt(7);
            ring.device.addUsed(first, 4);
            ring.driver.reapUsed();

            ring.driver.chain().readable(request, 48).writable(reply, 64).add();
            ring.driver.publish();
            ring.device.availableChains();
            DescriptorChain second = ring.device.popChain();
            assertSame(first, second);
            assertSame(readable, second.readable());
            assertSame(writable, second.writable());
            assertEquals(0, readable.readerIndex(), "indexes are reset");
            assertEquals(48, readable.writerIndex());
            assertEquals(0, writable.writerIndex());
            ring.device.addUsed(second, 0);
            ring.driver.reapUsed();

            ring.driver.chain().readable(request, 40).writable(reply, 64).add();
            ring.driver.publish();
            ring.device.availableChains();
            DescriptorChain third = ring.device.popChain();
            assertSame(readable, third.readable(), "other buffers, the same views retargeted");
            assertEquals(40, third.readable().readableBytes());
            assertArrayEquals(ring.bytes(request, 40), ByteBufUtil.getBytes(third.readable()));
        }
    }

    @Test
    void usedLengthIsCheckedAgainstTheChain() throws Exception {
        try (RingFixture ring = new RingFixture(8, PLAIN, 0)) {
            ring.driver.chain().readable(ring.buffer(8, 1), 8).writable(ring.buffer(8, 0), 8).add();
            ring.driver.publish();
            ring.device.availableChains();
            DescriptorChain chain = ring.device.popChain();
            assertThrows(IllegalArgumentException.class, () -> ring.device.addUsed(chain, 9));
            assertThrows(IllegalArgumentException.class, () -> ring.device.addUsed(chain, -1));
            ring.device.addUsed(chain, 8);
            assertThrows(IllegalArgumentException.class, () -> ring.device.addUsed(chain, 0), "not in flight any more");
            assertThrows(IllegalStateException.class, ring.device::popChain, "nothing counted");
        }
    }

    @Test
    void indexesWrapAtSixteenBits() throws Exception {
        try (RingFixture ring = new RingFixture(4, PLAIN, 0xfffe)) {
            long buffer = ring.buffer(16, 7);
            for (int round = 0; round < 5; round++) {
                ring.driver.chain().readable(buffer, 16).writable(buffer, 16).add();
                ring.driver.chain().readable(buffer, 16).writable(buffer, 16).add();
                ring.driver.publish();
                assertEquals(2, ring.device.availableChains());
                DescriptorChain a = ring.device.popChain();
                DescriptorChain b = ring.device.popChain();
                ring.device.addUsed(b, 1);
                ring.device.addUsed(a, 2);
                assertEquals(b.headIndex(), DriverQueue.usedId(ring.driver.reapUsed()), "completion order is kept");
                assertEquals(a.headIndex(), DriverQueue.usedId(ring.driver.reapUsed()));
            }
            assertEquals((0xfffe + 10) & 0xffff, ring.device.nextAvail());
            assertEquals(8, ring.device.nextUsed());
            assertEquals(8, SplitRing.usedIdxAcquire(ring.driver.usedRing()));
        }
    }

    @Test
    void flagsSuppressKicksAndInterrupts() throws Exception {
        try (RingFixture ring = new RingFixture(8, PLAIN, 0)) {
            long buffer = ring.buffer(16, 1);
            ring.driver.chain().readable(buffer, 16).add();
            ring.driver.publish();
            assertTrue(ring.driver.kickIfNeededAfterFence(), "notifications start enabled");

            ring.device.disableNotifications();
            assertEquals(SplitRing.USED_F_NO_NOTIFY, SplitRing.usedFlagsOpaque(ring.driver.usedRing()));
            ring.driver.chain().readable(buffer, 16).add();
            ring.driver.publish();
            assertFalse(ring.driver.kickIfNeededAfterFence(), "VRING_USED_F_NO_NOTIFY");

            assertTrue(ring.device.enableNotificationsAfterFence(), "two chains wait");
            assertEquals(0, SplitRing.usedFlagsOpaque(ring.driver.usedRing()));
            assertEquals(2, ring.device.availableChains());
            DescriptorChain a = ring.device.popChain();
            DescriptorChain b = ring.device.popChain();
            assertFalse(ring.device.enableNotificationsAfterFence(), "nothing left");

            ring.driver.disableInterrupts();
            ring.device.addUsed(a, 0);
            assertFalse(ring.device.needsNotificationAfterFence(), "VRING_AVAIL_F_NO_INTERRUPT");
            assertEquals(SplitRing.AVAIL_F_NO_INTERRUPT, SplitRing.availFlagsOpaque(ring.driver.availRing()));
            assertTrue(ring.driver.enableInterruptsAfterFence(), "the first used element waits to be reaped");
            assertEquals(0, SplitRing.availFlagsOpaque(ring.driver.availRing()));
            ring.device.addUsed(b, 0);
            assertTrue(ring.device.needsNotificationAfterFence());
            assertFalse(ring.device.needsNotificationAfterFence(), "nothing new since the last decision");
        }
    }

    @Test
    void eventIndexesSuppressKicksAndInterrupts() throws Exception {
        try (RingFixture ring = new RingFixture(8, ALL, 0xfffe)) {
            long buffer = ring.buffer(16, 1);
            // The device waits for the chain at 0xfffe.
            assertFalse(ring.device.enableNotificationsAfterFence());
            assertEquals(0xfffe, SplitRing.availEventOpaque(ring.driver.usedRing(), 8));
            ring.driver.chain().readable(buffer, 16).add();
            ring.driver.publish();
            assertTrue(ring.driver.kickIfNeededAfterFence(), "avail idx passed avail_event");
            ring.driver.chain().readable(buffer, 16).add();
            ring.driver.chain().readable(buffer, 16).add();
            ring.driver.publish();
            assertFalse(ring.driver.kickIfNeededAfterFence(), "the device was kicked for 0xfffe and has not re-armed");
            assertEquals(0, ring.driver.kicks() - 1);

            ring.device.disableNotifications();
            assertEquals(0, SplitRing.usedFlagsOpaque(ring.driver.usedRing()), "EVENT_IDX leaves the flags alone");
            assertEquals(3, ring.device.availableChains());
            DescriptorChain a = ring.device.popChain();
            DescriptorChain b = ring.device.popChain();
            DescriptorChain c = ring.device.popChain();

            // The driver wants an interrupt once used passes 0xfffe.
            assertFalse(ring.driver.enableInterruptsAfterFence());
            assertEquals(0xfffe, SplitRing.usedEventOpaque(ring.driver.availRing(), 8));
            ring.device.addUsed(a, 0);
            assertTrue(ring.device.needsNotificationAfterFence(), "used idx passed used_event");
            ring.device.addUsed(b, 0);
            ring.device.addUsed(c, 0);
            assertFalse(ring.device.needsNotificationAfterFence(), "the driver has not re-armed");
            ring.driver.reapUsed();
            ring.driver.reapUsed();
            ring.driver.reapUsed();
            assertFalse(ring.driver.enableInterruptsAfterFence());
            assertEquals(1, SplitRing.usedEventOpaque(ring.driver.availRing(), 8), "re-armed after the wrap");

            assertFalse(ring.device.enableNotificationsAfterFence());
            assertEquals(1, SplitRing.availEventOpaque(ring.driver.usedRing(), 8));
        }
    }

    @Test
    void largestQueueWrapsToo() throws Exception {
        try (RingFixture ring = new RingFixture(RingLayout.MAX_SIZE, ALL, 0xfff0, 16 << 20)) {
            long buffer = ring.buffer(8, 9);
            int[] heads = new int[200];
            for (int i = 0; i < heads.length; i++) {
                heads[i] = ring.driver.chain().readable(buffer, 8).writable(buffer, 8).indirect(i % 2 == 0).add();
            }
            ring.driver.publish();
            assertEquals(200, ring.device.availableChains());
            for (int i = 0; i < heads.length; i++) {
                DescriptorChain chain = ring.device.popChain();
                assertEquals(heads[i], chain.headIndex());
                assertEquals(i % 2 == 0, chain.isIndirect());
                ring.device.addUsed(chain, 8);
            }
            for (int head : heads) {
                assertEquals(head, DriverQueue.usedId(ring.driver.reapUsed()));
            }
            assertEquals((0xfff0 + 200) & 0xffff, ring.device.nextUsed());
            assertEquals(RingLayout.MAX_SIZE, ring.driver.freeDescriptors());
        }
    }
}
