package io.virtiofs.testkit.transport.virtqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.virtiofs.testkit.mock.DriverQueue;
import io.virtiofs.testkit.support.ErrorLogWatch;
import io.virtiofs.testkit.support.FuzzBudget;
import io.virtiofs.transport.virtqueue.DescriptorChain;
import io.virtiofs.transport.virtqueue.QueueFaultException;
import io.virtiofs.transport.virtqueue.RingFeatures;
import io.virtiofs.transport.virtqueue.SplitQueue;
import io.virtiofs.transport.virtqueue.SplitRing;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link SplitQueue} with what a driver can put into its rings: well-formed chains of
 * random shapes (direct and indirect, split buffers) mixed with raw descriptors of random
 * addresses (inside, across and outside guest memory), lengths (0, edges near 2^31 and 2^32),
 * flags and next indexes, raw indirect tables, heads beyond the table, and available indexes that
 * jump.
 *
 * <p>Properties: the device side throws nothing but {@link QueueFaultException} (and only on
 * what VIRTIO 1.2 §2.7 forbids); a chain it hands out lies wholly in guest memory, readable before
 * writable, and its views read and write exactly its lengths; a broken queue stays broken with the
 * same fault and touches the ring no more; no ERROR line; nothing hangs (every pop is bounded by
 * the chain's length limit). Time-bounded: {@link FuzzBudget}.
 */
@Timeout(900)
class SplitQueueFuzzTest {

    private static final long[] LENGTHS = {0, 1, 15, 16, 17, 4096, 65536, 0x7fff_ffffL, 0x8000_0000L, 0xffff_ffffL,
            0xffff_fff0L};

    @Test
    void whateverADriverPutsInTheRingsEndsInAChainOrATypedFault() throws Exception {
        FuzzBudget budget = FuzzBudget.start("SplitQueue", 15);
        SplittableRandom random = budget.random();
        long iteration = 0;
        long chains = 0;
        long faults = 0;
        try (ErrorLogWatch log = new ErrorLogWatch()) {
            while (budget.more(iteration)) {
                int size = 1 << random.nextInt(0, 9);
                RingFeatures features = RingFeatures.of((random.nextBoolean() ? 1L << 28 : 0) | (random.nextBoolean() ? 1L << 29 : 0));
                try (RingFixture ring = new RingFixture(size, features, random.nextInt(0x10000), 1 << 20)) {
                    QueueFaultException fault = null;
                    for (int step = 0; step < 300 && budget.more(iteration); step++, iteration++) {
                        try {
                            act(random, ring, size, features);
                        } catch (IllegalStateException | IllegalArgumentException driverSide) {
                            // The in-process driver's own bookkeeping refused (no free descriptors).
                        }
                        try {
                            chains += popAll(random, ring, budget, iteration);
                            if (random.nextInt(4) == 0) {
                                ring.device.enableNotificationsAfterFence();
                                ring.device.disableNotifications();
                            }
                        } catch (QueueFaultException e) {
                            if (fault == null) {
                                fault = e;
                                faults++;
                            } else {
                                assertSame(fault, e, budget.at(iteration, "a broken queue changed its fault"));
                            }
                        } catch (Throwable escaped) {
                            throw new AssertionError(budget.at(iteration, "escaped from the device side"), escaped);
                        }
                        if (fault != null) {
                            QueueFaultException again = org.junit.jupiter.api.Assertions.assertThrows(
                                    QueueFaultException.class, ring.device::availableChains);
                            assertSame(fault, again, budget.at(iteration, "a broken queue stays broken"));
                            break;
                        }
                    }
                }
            }
            assertEquals(List.of(), log.errors(), budget.at(iteration, "ERROR lines"));
        }
        System.out.println("fuzz SplitQueue: " + iteration + " steps, " + chains + " chains, " + faults + " faults");
        assertTrue(chains > 100 && faults > 10, budget.at(iteration, "too little exercised: " + chains + " chains, "
                + faults + " faults"));
    }

    /** One driver action. */
    private static void act(SplittableRandom random, RingFixture ring, int size, RingFeatures features) {
        DriverQueue driver = ring.driver;
        switch (random.nextInt(10)) {
            case 0, 1, 2, 3 -> {
                int buffers = random.nextInt(1, 5);
                boolean indirect = features.indirectDescriptors() && random.nextBoolean();
                if (!driver.canAdd(buffers, indirect)) {
                    return;
                }
                DriverQueue.ChainBuilder chain = driver.chain();
                int readable = random.nextInt(buffers + 1);
                for (int i = 0; i < buffers; i++) {
                    int length = random.nextInt(0, 300);
                    chain.buffer(ring.buffer(length, i), length, i >= readable);
                }
                chain.indirect(indirect).add();
                driver.publish();
            }
            case 4 -> driver.writeRawDescriptor(random.nextInt(size), address(random, ring), length(random),
                    random.nextInt(8), random.nextInt(size + 2));
            case 5 -> {
                // A raw indirect table of random descriptors.
                int entries = random.nextInt(1, 6);
                long table = ring.memory.allocate(16L * entries, 16);
                var segment = ring.memory.segment(table, 16L * entries);
                for (int i = 0; i < entries; i++) {
                    SplitRing.writeDescriptor(segment, i, address(random, ring), length(random), random.nextInt(8),
                            random.nextInt(entries + 1));
                }
                driver.writeRawDescriptor(random.nextInt(size), table, random.nextBoolean() ? 16L * entries
                        : length(random), SplitRing.DESC_F_INDIRECT | (random.nextInt(4) == 0 ? SplitRing.DESC_F_NEXT : 0),
                        random.nextInt(size));
            }
            case 6, 7 -> {
                driver.offerRawHead(random.nextInt(8) == 0 ? random.nextInt(0x10000) : random.nextInt(size));
                driver.publishRawAvailIdx(driver.availIdx());
            }
            case 8 -> driver.publishRawAvailIdx(random.nextInt(0x10000));
            default -> driver.publishRawAvailIdx(driver.availIdx() + random.nextInt(0, 3));
        }
    }

    private static long address(SplittableRandom random, RingFixture ring) {
        long base = RingFixture.GUEST_BASE;
        long size = ring.memory.size();
        return switch (random.nextInt(6)) {
            case 0 -> random.nextLong();
            case 1 -> base + size - random.nextInt(0, 64);
            case 2 -> base - random.nextInt(1, 64);
            case 3 -> 0;
            default -> base + random.nextLong(size);
        };
    }

    private static long length(SplittableRandom random) {
        return random.nextBoolean() ? LENGTHS[random.nextInt(LENGTHS.length)] : random.nextInt(0, 512);
    }

    /** Pops every available chain, checks it, and returns it used with a random length. */
    private static int popAll(SplittableRandom random, RingFixture ring, FuzzBudget budget, long iteration)
            throws QueueFaultException {
        SplitQueue device = ring.device;
        int available = device.availableChains();
        for (int i = 0; i < available; i++) {
            DescriptorChain chain = device.popChain();
            int readable = chain.readableLength();
            int writable = chain.writableLength();
            assertTrue(readable >= 0 && writable >= 0, budget.at(iteration, "negative lengths " + chain));
            ByteBuf in = chain.readable();
            assertEquals(readable, in.readableBytes(), budget.at(iteration, "readable view of " + chain));
            byte[] all = new byte[readable];
            in.getBytes(in.readerIndex(), all);
            ByteBuf out = chain.writable();
            assertEquals(writable, out.maxWritableBytes(), budget.at(iteration, "writable view of " + chain));
            int written = writable == 0 ? 0 : random.nextInt(Math.min(writable, 4096) + 1);
            out.writeZero(written);
            device.addUsed(chain, written);
        }
        device.needsNotificationAfterFence();
        return available;
    }
}
