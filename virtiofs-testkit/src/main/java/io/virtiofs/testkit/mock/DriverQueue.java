package io.virtiofs.testkit.mock;

import io.virtiofs.transport.virtqueue.RingFeatures;
import io.virtiofs.transport.virtqueue.RingLayout;
import io.virtiofs.transport.virtqueue.SplitRing;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The driver side of one split virtqueue (VIRTIO 1.2 §2.7.13, the driver's part; rust-vmm
 * virtio-queue {@code mock.rs} in spirit): lays out the rings in {@link DriverMemory}, adds
 * chains (optionally through indirect tables), publishes the available index, kicks when the
 * device wants it, reaps used elements, and counts kicks and interrupts.
 *
 * <p>One thread drives a queue; {@link #interrupt()} may come from any thread. Nothing here
 * allocates per chain.
 */
public final class DriverQueue {

    private final DriverMemory memory;
    private final RingLayout layout;
    private final int size;
    private final int mask;
    private final RingFeatures features;
    private final MemorySegment descriptors;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final int indirectEntries;
    private final long indirectBase;
    private final MemorySegment indirectTables;

    private final int[] freeStack;
    private int freeCount;
    private final int[] chainLength;
    private final int[] shadowNext;
    private final boolean[] headInFlight;
    private final boolean[] headIndirect;

    private int availIdx;
    private int lastKickAvail;
    private int lastUsed;
    private long kicks;
    private Runnable kicker = () -> {
    };
    private @Nullable ChainBuilder builder;

    private final AtomicLong interrupts = new AtomicLong();
    private final AtomicBoolean interruptPending = new AtomicBoolean();
    private volatile @Nullable Thread waiter;

    /**
     * Lays out a queue of {@code size} descriptors in {@code memory}, with an indirect table of
     * {@code indirectEntries} entries per descriptor (0 for none), its indexes starting at
     * {@code startIndex} (both ring indexes in memory are set to it).
     */
    public DriverQueue(DriverMemory memory, int size, RingFeatures features, int indirectEntries, int startIndex) {
        if (indirectEntries < 0 || indirectEntries > 65536 || startIndex < 0 || startIndex > 0xffff) {
            throw new IllegalArgumentException("indirect entries " + indirectEntries + ", start index " + startIndex);
        }
        this.memory = memory;
        long base = memory.allocate(RingLayout.contiguous(size, 0, 4).end(), 4096);
        this.layout = RingLayout.contiguous(size, base, 4);
        this.size = size;
        this.mask = size - 1;
        this.features = features;
        this.descriptors = memory.segment(layout.descriptorTable(), SplitRing.descriptorTableBytes(size));
        this.avail = memory.segment(layout.availRing(), SplitRing.availRingBytes(size));
        this.used = memory.segment(layout.usedRing(), SplitRing.usedRingBytes(size));
        this.indirectEntries = indirectEntries;
        long indirectBytes = (long) indirectEntries * SplitRing.DESCRIPTOR_SIZE * size;
        this.indirectBase = indirectEntries == 0 ? 0 : memory.allocate(indirectBytes, 16);
        this.indirectTables = indirectEntries == 0 ? MemorySegment.NULL : memory.segment(indirectBase, indirectBytes);
        this.freeStack = new int[size];
        for (int i = 0; i < size; i++) {
            freeStack[i] = size - 1 - i;
        }
        this.freeCount = size;
        this.chainLength = new int[size];
        this.shadowNext = new int[size];
        this.headInFlight = new boolean[size];
        this.headIndirect = new boolean[size];
        this.availIdx = startIndex;
        this.lastKickAvail = startIndex;
        this.lastUsed = startIndex;
        SplitRing.publishAvailIdxRelease(avail, startIndex);
        SplitRing.publishUsedIdxRelease(used, startIndex);
    }

    public RingLayout layout() {
        return layout;
    }

    public RingFeatures features() {
        return features;
    }

    /** The descriptor table's memory (for byte-level assertions and hostile tests). */
    public MemorySegment descriptorTable() {
        return descriptors;
    }

    /** The available ring's memory, {@code used_event} included. */
    public MemorySegment availRing() {
        return avail;
    }

    /** The used ring's memory, {@code avail_event} included. */
    public MemorySegment usedRing() {
        return used;
    }

    /** Where kicks go (the device's {@code InProcessKick::kick}). */
    public void setKicker(Runnable kicker) {
        this.kicker = kicker;
    }

    /** Descriptors not in any chain in flight. */
    public int freeDescriptors() {
        return freeCount;
    }

    /** The driver's available index (published or not). */
    public int availIdx() {
        return availIdx;
    }

    /** The next used ring position the driver will read. */
    public int lastUsed() {
        return lastUsed;
    }

    /** Kicks sent. */
    public long kicks() {
        return kicks;
    }

    /** Used buffer notifications received. */
    public long interrupts() {
        return interrupts.get();
    }

    /** Starts describing a chain; the builder is reused, so finish one chain before the next. */
    public ChainBuilder chain() {
        ChainBuilder chain = builder;
        if (chain == null) {
            chain = new ChainBuilder(this);
            builder = chain;
        }
        return chain.reset();
    }

    /** Whether a chain of {@code descriptors} buffers fits now (directly or through an indirect table). */
    public boolean canAdd(int descriptorCount, boolean indirect) {
        return indirect ? freeCount >= 1 && descriptorCount <= indirectEntries : freeCount >= descriptorCount;
    }

    int add(ChainBuilder chain) {
        int count = chain.count;
        if (count == 0) {
            throw new IllegalArgumentException("a chain needs at least one buffer");
        }
        if (!canAdd(count, chain.indirect)) {
            throw new IllegalStateException("no room for a chain of " + count + " buffers (" + freeCount
                    + " descriptors free, indirect tables of " + indirectEntries + ")");
        }
        int head;
        if (chain.indirect) {
            head = freeStack[--freeCount];
            long tableOffset = (long) head * indirectEntries * SplitRing.DESCRIPTOR_SIZE;
            MemorySegment table = indirectTables.asSlice(tableOffset, (long) count * SplitRing.DESCRIPTOR_SIZE);
            for (int i = 0; i < count; i++) {
                int flags = (chain.writable[i] ? SplitRing.DESC_F_WRITE : 0) | (i + 1 < count ? SplitRing.DESC_F_NEXT : 0);
                SplitRing.writeDescriptor(table, i, chain.addresses[i], chain.lengths[i], flags, i + 1 < count ? i + 1 : 0);
            }
            SplitRing.writeDescriptor(descriptors, head, indirectBase + tableOffset,
                    (long) count * SplitRing.DESCRIPTOR_SIZE, SplitRing.DESC_F_INDIRECT, 0);
            chainLength[head] = 1;
        } else {
            head = freeStack[freeCount - 1];
            int current = -1;
            for (int i = 0; i < count; i++) {
                int index = freeStack[--freeCount];
                if (current >= 0) {
                    shadowNext[current] = index;
                    writeLink(current, chain, i - 1, index);
                }
                current = index;
            }
            writeLink(current, chain, count - 1, -1);
            chainLength[head] = count;
        }
        headInFlight[head] = true;
        headIndirect[head] = chain.indirect;
        SplitRing.setAvailRingEntry(avail, availIdx & mask, head);
        availIdx = (availIdx + 1) & 0xffff;
        return head;
    }

    private void writeLink(int index, ChainBuilder chain, int buffer, int next) {
        int flags = (chain.writable[buffer] ? SplitRing.DESC_F_WRITE : 0) | (next >= 0 ? SplitRing.DESC_F_NEXT : 0);
        SplitRing.writeDescriptor(descriptors, index, chain.addresses[buffer], chain.lengths[buffer], flags,
                Math.max(next, 0));
    }

    /** Publishes every chain added so far: the available index, with release semantics. */
    public void publish() {
        SplitRing.publishAvailIdxRelease(avail, availIdx);
    }

    /**
     * Kicks the device if it wants a kick for the chains published since the last decision
     * (VIRTIO 1.2 §2.7.13.4: {@code avail_event} with EVENT_IDX, else VRING_USED_F_NO_NOTIFY).
     *
     * @return whether it kicked
     */
    public boolean kickIfNeededAfterFence() {
        // Full fence: our avail idx store must be visible before we load avail_event (or flags).
        // The device stores avail_event and then reloads avail idx; without a store-load barrier
        // on both sides each could miss the other and the device sleeps on our chains.
        VarHandle.fullFence();
        int old = lastKickAvail;
        lastKickAvail = availIdx;
        boolean needed = features.eventIdx()
                ? SplitRing.needsEvent(SplitRing.availEventOpaque(used, size), availIdx, old)
                : (SplitRing.usedFlagsOpaque(used) & SplitRing.USED_F_NO_NOTIFY) == 0;
        if (needed) {
            kicks++;
            kicker.run();
        }
        return needed;
    }

    /** Used elements the device published that were not reaped yet (acquire load of used idx). */
    public int pendingUsed() {
        return (SplitRing.usedIdxAcquire(used) - lastUsed) & 0xffff;
    }

    /**
     * Reaps the next used element and frees its descriptors.
     *
     * @return {@code (id << 32) | length}, or -1 if none is pending
     * @throws IllegalStateException if the device returned a head that is not in flight
     */
    public long reapUsed() {
        if (pendingUsed() == 0) {
            return -1;
        }
        int slot = lastUsed & mask;
        int id = SplitRing.usedElementId(used, slot);
        long length = SplitRing.usedElementLength(used, slot);
        if (id < 0 || id >= size || !headInFlight[id]) {
            throw new IllegalStateException("the device used id " + Integer.toUnsignedString(id) + " at used position "
                    + lastUsed + ", which is not a chain in flight");
        }
        headInFlight[id] = false;
        // Free the chain so that its head is on top again: the next chain reuses the same
        // descriptors (and the device its cached views).
        int start = freeCount;
        int index = id;
        for (int i = 0; i < chainLength[id]; i++) {
            freeStack[freeCount++] = index;
            index = shadowNext[index];
        }
        for (int low = start, high = freeCount - 1; low < high; low++, high--) {
            int swap = freeStack[low];
            freeStack[low] = freeStack[high];
            freeStack[high] = swap;
        }
        lastUsed = (lastUsed + 1) & 0xffff;
        return ((long) id << 32) | length;
    }

    /** The id part of {@link #reapUsed()}'s result. */
    public static int usedId(long element) {
        return (int) (element >>> 32);
    }

    /** The length part of {@link #reapUsed()}'s result. */
    public static int usedLength(long element) {
        return (int) element;
    }

    /** Whether the chain at {@code head} went through an indirect table. */
    public boolean isIndirect(int head) {
        return headIndirect[head];
    }

    /**
     * Asks for an interrupt at the next used element ({@code used_event} = last used, or clears
     * VRING_AVAIL_F_NO_INTERRUPT), then checks whether one arrived meanwhile.
     *
     * @return whether used elements are pending (no interrupt may come for them)
     */
    public boolean enableInterruptsAfterFence() {
        if (features.eventIdx()) {
            SplitRing.setUsedEventOpaque(avail, size, lastUsed);
        } else {
            SplitRing.setAvailFlagsOpaque(avail, 0);
        }
        // Full fence: the used_event (or flags) store must be visible before we reload used idx;
        // the device publishes used idx and then loads used_event (see SplitQueue).
        VarHandle.fullFence();
        return pendingUsed() > 0;
    }

    /**
     * Asks for no interrupts: VRING_AVAIL_F_NO_INTERRUPT, or with EVENT_IDX a {@code used_event}
     * half the index space ahead.
     */
    public void disableInterrupts() {
        if (features.eventIdx()) {
            SplitRing.setUsedEventOpaque(avail, size, (lastUsed + 0x8000) & 0xffff);
        } else {
            SplitRing.setAvailFlagsOpaque(avail, SplitRing.AVAIL_F_NO_INTERRUPT);
        }
    }

    /** The device's used buffer notification (the device's call event for this queue). */
    public void interrupt() {
        interrupts.incrementAndGet();
        interruptPending.set(true);
        Thread thread = waiter;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Waits until used elements are pending: polls {@code spinIterations} times, then enables
     * interrupts and parks until one arrives.
     *
     * @return whether used elements are pending (false after the timeout)
     */
    public boolean awaitUsed(long timeout, TimeUnit unit, int spinIterations) {
        for (int i = 0; i < spinIterations; i++) {
            if (pendingUsed() > 0) {
                return true;
            }
            Thread.onSpinWait();
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        waiter = Thread.currentThread();
        try {
            while (true) {
                interruptPending.set(false);
                if (enableInterruptsAfterFence()) {
                    return true;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                if (!interruptPending.get()) {
                    LockSupport.parkNanos(this, remaining);
                }
            }
        } finally {
            waiter = null;
        }
    }

    // ---- raw access, for tests that play a hostile driver ----

    /** Writes descriptor {@code index} as given, bypassing all bookkeeping. */
    public void writeRawDescriptor(int index, long address, long length, int flags, int next) {
        SplitRing.writeDescriptor(descriptors, index, address, length, flags, next);
    }

    /** Puts {@code head} into the next available ring entry, bypassing all bookkeeping. */
    public void offerRawHead(int head) {
        SplitRing.setAvailRingEntry(avail, availIdx & mask, head);
        availIdx = (availIdx + 1) & 0xffff;
    }

    /** Publishes an arbitrary available index (release store). */
    public void publishRawAvailIdx(int idx) {
        availIdx = idx & 0xffff;
        SplitRing.publishAvailIdxRelease(avail, availIdx);
    }

    /**
     * Describes one chain: buffers in order, device-readable ones first. Reused by its queue
     * ({@link DriverQueue#chain()}).
     */
    public static final class ChainBuilder {
        private final DriverQueue queue;
        private long[] addresses = new long[8];
        private long[] lengths = new long[8];
        private boolean[] writable = new boolean[8];
        private int count;
        private boolean indirect;

        private ChainBuilder(DriverQueue queue) {
            this.queue = queue;
        }

        private ChainBuilder reset() {
            count = 0;
            indirect = false;
            return this;
        }

        /** A device-readable buffer. */
        public ChainBuilder readable(long address, long length) {
            return buffer(address, length, false);
        }

        /** A device-writable buffer. */
        public ChainBuilder writable(long address, long length) {
            return buffer(address, length, true);
        }

        /** A buffer with the given direction, in any order (hostile tests put readable after writable). */
        public ChainBuilder buffer(long address, long length, boolean deviceWritable) {
            if (count == addresses.length) {
                addresses = java.util.Arrays.copyOf(addresses, count * 2);
                lengths = java.util.Arrays.copyOf(lengths, count * 2);
                writable = java.util.Arrays.copyOf(writable, count * 2);
            }
            addresses[count] = address;
            lengths[count] = length;
            writable[count] = deviceWritable;
            count++;
            return this;
        }

        /** Whether the chain goes through an indirect table. */
        public ChainBuilder indirect(boolean viaIndirectTable) {
            indirect = viaIndirectTable;
            return this;
        }

        /** Adds the chain to the available ring (not yet published); returns its head. */
        public int add() {
            return queue.add(this);
        }
    }
}
