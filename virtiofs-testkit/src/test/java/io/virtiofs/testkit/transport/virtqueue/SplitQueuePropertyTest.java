package io.virtiofs.testkit.transport.virtqueue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import io.virtiofs.testkit.mock.DriverQueue;
import io.virtiofs.testkit.support.Seeds;
import io.virtiofs.transport.virtqueue.DescriptorChain;
import io.virtiofs.transport.virtqueue.QueueFaultException;
import io.virtiofs.transport.virtqueue.RingFeatures;
import io.virtiofs.transport.virtqueue.SplitRing;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * Random sequences of driver and device actions (add chains of random shapes, publish, kick,
 * pop, complete out of order, decide notifications, reap, toggle suppression) on rings whose
 * 16-bit indexes wrap, checked step by step against a model of the ring.
 *
 * <p>Seeded: a failure names its seed; {@code -Dvirtiofs.seed=N} replays only that seed.
 */
@Timeout(60)
class SplitQueuePropertyTest {

    private static final int SEEDS = 32;
    private static final int STEPS = 1500;
    private static final int MAX_BUFFERS = 6;
    private static final int BUFFER_BYTES = 256;

    @TestFactory
    Stream<DynamicTest> randomDriverActionsMatchTheModel() {
        LongStream seeds = Seeds.of(new SplittableRandom(0x5eed_f00dL).longs(SEEDS).toArray());
        return seeds.boxed().map(seed -> DynamicTest.dynamicTest("seed=" + seed, () -> runSeed(seed)));
    }

    private static void runSeed(long seed) throws Exception {
        try {
            new Run(seed).run();
        } catch (AssertionError | Exception e) {
            throw new AssertionError("seed=" + seed + " (replay with -Dvirtiofs.seed=" + seed + "): " + e.getMessage(), e);
        }
    }

    /** What the driver put into one chain. */
    private record Expected(int head, int slot, long[] addresses, int[] lengths, boolean[] writable, boolean indirect,
                            byte[] readable, int writableLength) {
    }

    /** A used element the device returned. */
    private record Used(Expected chain, byte[] written) {
    }

    private static final class Run {
        private final SplittableRandom random;
        private final int size;
        private final RingFeatures features;
        private final int start;

        private final ArrayDeque<Expected> added = new ArrayDeque<>();
        private final ArrayDeque<Expected> published = new ArrayDeque<>();
        private final Map<Integer, Expected> poppedExpected = new LinkedHashMap<>();
        private final Map<Integer, DescriptorChain> popped = new LinkedHashMap<>();
        private final ArrayDeque<Used> used = new ArrayDeque<>();
        private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();

        private int availEvent;
        private boolean noNotify;
        private int usedEvent;
        private boolean noInterrupt;
        private int addedSinceDecision;

        Run(long seed) {
            random = new SplittableRandom(seed);
            size = 1 << random.nextInt(6);
            features = new RingFeatures(random.nextBoolean(), random.nextBoolean());
            start = random.nextBoolean() ? 0xffff - random.nextInt(64) : random.nextInt(0x10000);
        }

        void run() throws Exception {
            try (RingFixture ring = new RingFixture(size, features, start, 8 << 20)) {
                long[][] buffers = new long[size][MAX_BUFFERS];
                for (int slot = 0; slot < size; slot++) {
                    freeSlots.add(slot);
                    for (int k = 0; k < MAX_BUFFERS; k++) {
                        buffers[slot][k] = ring.memory.allocate(BUFFER_BYTES, 8);
                    }
                }
                for (int step = 0; step < STEPS; step++) {
                    int action = random.nextInt(100);
                    String where = "step " + step + " (size " + size + ", " + features + ", start " + start + ")";
                    if (action < 28) {
                        add(ring, buffers);
                    } else if (action < 42) {
                        publishAndKick(ring, where);
                    } else if (action < 60) {
                        pop(ring, where, random.nextInt(size + 1));
                    } else if (action < 78) {
                        complete(ring);
                    } else if (action < 84) {
                        decide(ring, where);
                    } else if (action < 94) {
                        reap(ring, where);
                    } else if (action < 97) {
                        toggleInterrupts(ring, where);
                    } else {
                        toggleNotifications(ring, where);
                    }
                }
                // Drain everything: the ring ends where the model says.
                publishAndKick(ring, "final publish");
                pop(ring, "final pop", Integer.MAX_VALUE);
                while (!popped.isEmpty()) {
                    complete(ring);
                }
                reap(ring, "final reap");
                assertEquals(size, ring.driver.freeDescriptors(), "every descriptor came back");
                assertEquals(0, ring.device.inFlight());
                assertEquals(ring.driver.availIdx(), ring.device.nextAvail());
                assertEquals(ring.driver.lastUsed(), ring.device.nextUsed());
                assertEquals(ring.device.nextUsed(), SplitRing.usedIdxAcquire(ring.driver.usedRing()));
            }
        }

        private void add(RingFixture ring, long[][] buffers) {
            if (freeSlots.isEmpty()) {
                return;
            }
            int count = 1 + random.nextInt(MAX_BUFFERS);
            boolean indirect = features.indirectDescriptors() && random.nextInt(3) == 0;
            if (!ring.driver.canAdd(count, indirect)) {
                return;
            }
            int slot = freeSlots.poll();
            int readableCount = random.nextInt(count + 1);
            long[] addresses = new long[count];
            int[] lengths = new int[count];
            boolean[] writable = new boolean[count];
            var readable = new java.io.ByteArrayOutputStream();
            int writableLength = 0;
            DriverQueue.ChainBuilder chain = ring.driver.chain().indirect(indirect);
            for (int k = 0; k < count; k++) {
                addresses[k] = buffers[slot][k];
                lengths[k] = random.nextInt(BUFFER_BYTES + 1);
                writable[k] = k >= readableCount;
                MemorySegment memory = ring.memory.segment(addresses[k], lengths[k]);
                if (writable[k]) {
                    memory.fill((byte) 0);
                    writableLength += lengths[k];
                } else {
                    byte[] content = new byte[lengths[k]];
                    random.nextBytes(content);
                    MemorySegment.copy(content, 0, memory, ValueLayout.JAVA_BYTE, 0, content.length);
                    readable.writeBytes(content);
                }
                chain.buffer(addresses[k], lengths[k], writable[k]);
            }
            int head = chain.add();
            assertEquals(indirect, ring.driver.isIndirect(head));
            added.add(new Expected(head, slot, addresses, lengths, writable, indirect, readable.toByteArray(),
                    writableLength));
        }

        private void publishAndKick(RingFixture ring, String where) {
            ring.driver.publish();
            published.addAll(added);
            added.clear();
            int oldAvail = lastKickAvail(ring);
            boolean expected = features.eventIdx()
                    ? SplitRing.needsEvent(availEvent, ring.driver.availIdx(), oldAvail)
                    : !noNotify;
            assertEquals(expected, ring.driver.kickIfNeededAfterFence(), where + ": kick decision");
            kickBase = ring.driver.availIdx();
        }

        private int kickBase = -1;

        private int lastKickAvail(RingFixture ring) {
            return kickBase < 0 ? start : kickBase;
        }

        private void pop(RingFixture ring, String where, int wanted) throws QueueFaultException {
            int available = ring.device.availableChains();
            assertEquals(published.size(), available, where + ": available chains");
            for (int i = 0; i < Math.min(wanted, available); i++) {
                DescriptorChain chain = ring.device.popChain();
                Expected expected = published.poll();
                assertEquals(expected.head(), chain.headIndex(), where + ": head");
                assertEquals(expected.indirect(), chain.isIndirect(), where + ": indirect");
                assertEquals(expected.lengths().length, chain.descriptorCount(), where + ": descriptors");
                for (int k = 0; k < expected.lengths().length; k++) {
                    assertEquals(expected.addresses()[k], chain.descriptorAddress(k), where + ": address " + k);
                    assertEquals(expected.lengths()[k], chain.descriptorLength(k), where + ": length " + k);
                    assertEquals(expected.writable()[k], chain.isWritable(k), where + ": direction " + k);
                }
                assertArrayEquals(expected.readable(), ByteBufUtil.getBytes(chain.readable()), where + ": readable bytes");
                assertEquals(expected.writableLength(), chain.writable().maxWritableBytes(), where + ": writable space");
                assertEquals(0, chain.writable().writerIndex());
                poppedExpected.put(chain.headIndex(), expected);
                popped.put(chain.headIndex(), chain);
            }
        }

        private void complete(RingFixture ring) {
            if (popped.isEmpty()) {
                return;
            }
            List<Integer> heads = new ArrayList<>(popped.keySet());
            int head = heads.get(random.nextInt(heads.size()));
            DescriptorChain chain = popped.remove(head);
            Expected expected = poppedExpected.remove(head);
            byte[] written = new byte[random.nextInt(expected.writableLength() + 1)];
            random.nextBytes(written);
            chain.writable().writeBytes(written);
            ring.device.addUsed(chain, written.length);
            used.add(new Used(expected, written));
            addedSinceDecision++;
        }

        private void decide(RingFixture ring, String where) {
            int nextUsed = ring.device.nextUsed();
            boolean expected = addedSinceDecision > 0 && (features.eventIdx()
                    ? SplitRing.needsEvent(usedEvent, nextUsed, (nextUsed - addedSinceDecision) & 0xffff)
                    : !noInterrupt);
            addedSinceDecision = 0;
            assertEquals(expected, ring.device.needsNotificationAfterFence(), where + ": interrupt decision");
        }

        private void reap(RingFixture ring, String where) {
            assertEquals(used.size(), ring.driver.pendingUsed(), where + ": pending used");
            long element;
            while ((element = ring.driver.reapUsed()) >= 0) {
                Used expected = used.poll();
                assertEquals(expected.chain().head(), DriverQueue.usedId(element), where + ": used id");
                assertEquals(expected.written().length, DriverQueue.usedLength(element), where + ": used length");
                byte[] actual = new byte[expected.written().length];
                int at = 0;
                for (int k = 0; k < expected.chain().lengths().length && at < actual.length; k++) {
                    if (!expected.chain().writable()[k]) {
                        continue;
                    }
                    int n = Math.min(expected.chain().lengths()[k], actual.length - at);
                    MemorySegment.copy(ring.memory.segment(expected.chain().addresses()[k], n), ValueLayout.JAVA_BYTE, 0,
                            actual, at, n);
                    at += n;
                }
                assertArrayEquals(expected.written(), actual, where + ": bytes the device wrote");
                freeSlots.add(expected.chain().slot());
            }
            assertTrue(used.isEmpty(), where + ": every used element reaped");
        }

        private void toggleInterrupts(RingFixture ring, String where) {
            if (random.nextBoolean()) {
                usedEvent = ring.driver.lastUsed();
                noInterrupt = false;
                assertEquals(!used.isEmpty(), ring.driver.enableInterruptsAfterFence(), where + ": enable interrupts");
            } else {
                usedEvent = (ring.driver.lastUsed() + 0x8000) & 0xffff;
                noInterrupt = true;
                ring.driver.disableInterrupts();
            }
            if (!features.eventIdx()) {
                usedEvent = 0;
            }
        }

        private void toggleNotifications(RingFixture ring, String where) throws QueueFaultException {
            if (random.nextBoolean()) {
                boolean more = ring.device.enableNotificationsAfterFence();
                assertEquals(!published.isEmpty(), more, where + ": enable notifications");
                if (features.eventIdx()) {
                    availEvent = ring.device.nextAvail();
                } else {
                    noNotify = false;
                }
            } else {
                ring.device.disableNotifications();
                if (!features.eventIdx()) {
                    noNotify = true;
                }
            }
        }
    }
}
