package io.virtiofs.transport.virtqueue;

import io.virtiofs.transport.memory.GuestMemory;
import io.virtiofs.transport.memory.GuestMemoryException;
import io.virtiofs.transport.memory.GuestRegion;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The device side of one split virtqueue (VIRTIO 1.2 §2.7): pops validated
 * {@link DescriptorChain}s from the available ring, returns them through the used ring, and
 * decides when each side notifies the other.
 *
 * <p>Not thread-safe: one thread owns a queue. The ring lives in a {@link GuestMemory} snapshot
 * given with {@link #bind}; the owner rebinds when the memory table changes (between chains).
 *
 * <p>Indexes are 16-bit and wrap; the queue keeps {@code nextAvail} (the next available ring
 * entry to read) and {@code nextUsed} (the next used ring entry to write) modulo 2^16.
 *
 * <p>Hostile drivers: anything that breaks the ring protocol throws {@link QueueFaultException}
 * and leaves the queue broken: every later call throws the same fault, completions are dropped,
 * nothing loops (chains are bounded by their table's size) and nothing waits.
 */
public final class SplitQueue {

    /** The most entries an indirect table may have: its {@code next} fields are 16-bit. */
    public static final int MAX_INDIRECT_ENTRIES = 65536;

    private final int index;
    private final RingLayout layout;
    private final int size;
    private final int mask;
    private final RingFeatures features;
    private final @Nullable DescriptorChain[] chains;

    private @Nullable GuestMemory memory;
    private MemorySegment descriptorTable = MemorySegment.NULL;
    private MemorySegment availRing = MemorySegment.NULL;
    private MemorySegment usedRing = MemorySegment.NULL;

    private int nextAvail;
    private int nextUsed;
    private int availIdxSeen;
    /**
     * Where writes to guest memory are recorded during live migration (null: nowhere), and the
     * address the used ring's writes are recorded at (negative: not recorded). Set by the device
     * from its control thread while the queue runs, hence volatile: a write racing with the switch
     * may go unrecorded only before the VMM's first copy of the page, which copies it anyway.
     */
    private volatile @Nullable GuestWriteLog writeLog;
    private volatile long usedRingLogAddress = -1;
    /** Used entries added since the last notification decision. */
    private int usedSinceDecision;
    private int inFlight;
    private @Nullable QueueFaultException fault;

    /**
     * A queue that continues at the given ring positions (0 and 0 for a fresh queue; vhost-user
     * SET_VRING_BASE gives both).
     *
     * @param index the queue's number in its device (for messages)
     */
    public SplitQueue(int index, RingLayout layout, RingFeatures features, int nextAvail, int nextUsed) {
        if (nextAvail < 0 || nextAvail > 0xffff || nextUsed < 0 || nextUsed > 0xffff) {
            throw new IllegalArgumentException("ring positions " + nextAvail + "/" + nextUsed + " are not 16-bit");
        }
        this.index = index;
        this.layout = layout;
        this.size = layout.size();
        this.mask = size - 1;
        this.features = features;
        this.chains = new DescriptorChain[size];
        this.nextAvail = nextAvail;
        this.nextUsed = nextUsed;
        this.availIdxSeen = nextAvail;
    }

    /** The queue's number in its device. */
    public int index() {
        return index;
    }

    public RingLayout layout() {
        return layout;
    }

    public RingFeatures features() {
        return features;
    }

    /**
     * Reads the rings through {@code memory} from now on; chains popped later are read from it.
     *
     * @throws QueueFaultException {@link QueueFault#RING_OUT_OF_MEMORY} if a ring structure is not
     *     inside it
     */
    public void bind(GuestMemory memory) throws QueueFaultException {
        throwIfBroken();
        try {
            MemorySegment desc = memory.segment(layout.descriptorTable(), SplitRing.descriptorTableBytes(size));
            MemorySegment avail = memory.segment(layout.availRing(), SplitRing.availRingBytes(size));
            MemorySegment used = memory.segment(layout.usedRing(), SplitRing.usedRingBytes(size));
            this.descriptorTable = desc;
            this.availRing = avail;
            this.usedRing = used;
            this.memory = memory;
        } catch (GuestMemoryException e) {
            throw breakWith(QueueFault.RING_OUT_OF_MEMORY, e.getMessage());
        }
    }

    /** The snapshot the rings are read through, if bound. */
    public Optional<GuestMemory> memory() {
        return Optional.ofNullable(memory);
    }

    /** The next available ring position the device will read (vhost-user GET_VRING_BASE). */
    public int nextAvail() {
        return nextAvail;
    }

    /** The next used ring position the device will write. */
    public int nextUsed() {
        return nextUsed;
    }

    /** Chains popped and not yet returned. */
    public int inFlight() {
        return inFlight;
    }

    /** The fault that broke the queue, if any. */
    public Optional<QueueFaultException> fault() {
        return Optional.ofNullable(fault);
    }

    public boolean isBroken() {
        return fault != null;
    }

    /**
     * Marks the queue broken for a fault found outside the ring walk (a reply too large for its
     * chain) and returns the exception to throw or report.
     */
    public QueueFaultException breakWith(QueueFault cause, String detail) {
        QueueFaultException existing = fault;
        if (existing != null) {
            return existing;
        }
        QueueFaultException created = new QueueFaultException(cause, index, detail);
        fault = created;
        return created;
    }

    private void throwIfBroken() throws QueueFaultException {
        QueueFaultException existing = fault;
        if (existing != null) {
            throw existing;
        }
    }

    private void requireBound() {
        if (memory == null) {
            throw new IllegalStateException("virtqueue " + index + " is not bound to guest memory");
        }
    }

    /**
     * How many chains the driver has made available beyond those popped. Reads the available
     * index with acquire semantics, so the chains counted can be popped.
     *
     * @throws QueueFaultException {@link QueueFault#AVAIL_INDEX_JUMP} if the index moved by more
     *     than the queue size
     */
    public int availableChains() throws QueueFaultException {
        throwIfBroken();
        requireBound();
        int availIdx = SplitRing.availIdxAcquire(availRing);
        int count = (availIdx - nextAvail) & 0xffff;
        if (count > size) {
            throw breakWith(QueueFault.AVAIL_INDEX_JUMP, "avail idx " + availIdx + " is " + count
                    + " entries past the next one to read (" + nextAvail + "), queue size " + size);
        }
        availIdxSeen = availIdx;
        return count;
    }

    /**
     * Pops and validates the next chain counted by {@link #availableChains()}.
     *
     * @throws IllegalStateException if none is left of those counted
     * @throws QueueFaultException if the chain breaks the ring protocol
     */
    public DescriptorChain popChain() throws QueueFaultException {
        throwIfBroken();
        requireBound();
        if (nextAvail == availIdxSeen) {
            throw new IllegalStateException("virtqueue " + index + ": no available chain left of those counted");
        }
        int head = SplitRing.availRingEntry(availRing, nextAvail & mask);
        if (head >= size) {
            throw breakWith(QueueFault.DESCRIPTOR_INDEX_OUT_OF_RANGE, "head " + head + " in available ring entry "
                    + (nextAvail & mask) + ", queue size " + size);
        }
        DescriptorChain chain = chains[head];
        if (chain == null) {
            chain = new DescriptorChain(head);
            chains[head] = chain;
        } else if (chain.inFlight) {
            throw breakWith(QueueFault.HEAD_IN_USE, "head " + head + " offered again before it was used");
        }
        GuestMemory mem = memory;
        assert mem != null;
        walk(chain, mem, head);
        chain.finish();
        chain.inFlight = true;
        inFlight++;
        nextAvail = (nextAvail + 1) & 0xffff;
        return chain;
    }

    /** Follows a chain from its head (VIRTIO 1.2 §2.7.5, §2.7.5.3), validating every step. */
    private void walk(DescriptorChain chain, GuestMemory mem, int head) throws QueueFaultException {
        chain.begin(mem);
        MemorySegment table = descriptorTable;
        int tableSize = size;
        int position = head;
        int budget = size;
        boolean inIndirect = false;
        boolean sawWritable = false;
        long readable = 0;
        long writable = 0;
        while (true) {
            if (budget-- == 0) {
                throw breakWith(QueueFault.CHAIN_LOOP, "chain from head " + head + " visits more than " + tableSize
                        + " descriptors" + (inIndirect ? " of its indirect table" : ""));
            }
            long address = SplitRing.descriptorAddress(table, position);
            long length = SplitRing.descriptorLength(table, position);
            int flags = SplitRing.descriptorFlags(table, position);
            int next = SplitRing.descriptorNext(table, position);
            if ((flags & SplitRing.DESC_F_INDIRECT) != 0) {
                table = indirectTable(head, address, length, flags, inIndirect, mem);
                tableSize = (int) (length / SplitRing.DESCRIPTOR_SIZE);
                budget = tableSize;
                position = 0;
                inIndirect = true;
                chain.markIndirect();
                continue;
            }
            boolean isWritable = (flags & SplitRing.DESC_F_WRITE) != 0;
            if (!isWritable && sawWritable) {
                throw breakWith(QueueFault.READABLE_AFTER_WRITABLE, "chain from head " + head + ", descriptor "
                        + position + (inIndirect ? " of its indirect table" : ""));
            }
            sawWritable |= isWritable;
            GuestRegion region;
            try {
                region = mem.regionOf(address, length);
            } catch (GuestMemoryException e) {
                throw breakWith(QueueFault.ADDRESS_OUT_OF_MEMORY, "chain from head " + head + ", descriptor "
                        + position + ": " + e.getMessage());
            }
            if (isWritable) {
                writable += length;
            } else {
                readable += length;
            }
            if (readable > Integer.MAX_VALUE || writable > Integer.MAX_VALUE) {
                throw breakWith(QueueFault.CHAIN_TOO_LARGE, "chain from head " + head + " has " + readable
                        + " readable and " + writable + " writable bytes");
            }
            chain.add(region, address, (int) length, isWritable);
            if ((flags & SplitRing.DESC_F_NEXT) == 0) {
                return;
            }
            if (next >= tableSize) {
                throw breakWith(QueueFault.DESCRIPTOR_INDEX_OUT_OF_RANGE, "chain from head " + head + ": next "
                        + next + " of a table of " + tableSize + (inIndirect ? " (indirect)" : ""));
            }
            position = next;
        }
    }

    private MemorySegment indirectTable(int head, long address, long length, int flags, boolean inIndirect,
                                        GuestMemory mem) throws QueueFaultException {
        if (!features.indirectDescriptors()) {
            throw breakWith(QueueFault.INDIRECT_NOT_NEGOTIATED, "chain from head " + head);
        }
        if (inIndirect) {
            throw breakWith(QueueFault.NESTED_INDIRECT, "chain from head " + head);
        }
        if ((flags & SplitRing.DESC_F_NEXT) != 0) {
            throw breakWith(QueueFault.INDIRECT_WITH_NEXT, "chain from head " + head);
        }
        if (length == 0 || length % SplitRing.DESCRIPTOR_SIZE != 0
                || length / SplitRing.DESCRIPTOR_SIZE > MAX_INDIRECT_ENTRIES) {
            throw breakWith(QueueFault.INDIRECT_TABLE_LENGTH, "chain from head " + head + ": indirect table of "
                    + length + " bytes");
        }
        try {
            return mem.segment(address, length);
        } catch (GuestMemoryException e) {
            throw breakWith(QueueFault.ADDRESS_OUT_OF_MEMORY, "indirect table of chain from head " + head + ": "
                    + e.getMessage());
        }
    }

    /**
     * Returns a chain through the used ring: writes the used element, then publishes the used
     * index with release semantics. On a broken queue the chain is only forgotten.
     *
     * @param length bytes the device wrote into the chain's writable part
     * @throws IllegalArgumentException if the chain is not in flight on this queue, or
     *     {@code length} exceeds its writable part
     */
    public void addUsed(DescriptorChain chain, int length) {
        addUsedUnlogged(chain, length);
        GuestWriteLog log = writeLog;
        if (log != null && fault == null) {
            logWrites(log, chain);
        }
    }

    /**
     * Records writes to guest memory in {@code log} from now on ({@code null}: stop recording):
     * the bytes replies fill in, and, with {@code usedRingLogAddress} 0 or more, the used ring's
     * writes at that address (vhost-user's {@code log_guest_addr}).
     */
    public void logWrites(@Nullable GuestWriteLog log, long usedRingLogAddress) {
        this.usedRingLogAddress = usedRingLogAddress;
        this.writeLog = log;
    }

    /**
     * Records the chain's whole writable part, not only the {@code length} bytes the reply took: a
     * reply given up for a shorter one (an error that replaced a reply too large) wrote there too.
     * Pages already marked cost a read each.
     */
    private void logWrites(GuestWriteLog log, DescriptorChain chain) {
        for (int i = chain.readableDescriptorCount(); i < chain.descriptorCount(); i++) {
            log.written(chain.descriptorAddress(i), chain.descriptorLength(i));
        }
        logUsedRing(log);
    }

    private void logUsedRing(GuestWriteLog log) {
        long address = usedRingLogAddress;
        if (address >= 0) {
            log.written(address, SplitRing.usedRingBytes(size));
        }
    }

    private void logUsedRingWrite() {
        GuestWriteLog log = writeLog;
        if (log != null) {
            logUsedRing(log);
        }
    }

    private void addUsedUnlogged(DescriptorChain chain, int length) {
        int head = chain.headIndex();
        if (head >= size || chains[head] != chain || !chain.inFlight) {
            throw new IllegalArgumentException("chain " + chain + " is not in flight on virtqueue " + index);
        }
        if (length < 0 || length > chain.writableLength()) {
            throw new IllegalArgumentException("used length " + length + " is outside 0.." + chain.writableLength()
                    + " for " + chain);
        }
        chain.inFlight = false;
        inFlight--;
        if (fault != null) {
            return;
        }
        requireBound();
        SplitRing.setUsedElement(usedRing, nextUsed & mask, head, length);
        nextUsed = (nextUsed + 1) & 0xffff;
        SplitRing.publishUsedIdxRelease(usedRing, nextUsed);
        usedSinceDecision++;
    }

    /**
     * Whether the driver wants a used buffer notification for the entries added since the last
     * call (VIRTIO 1.2 §2.7.7.2, §2.7.10): with EVENT_IDX, whether {@code used_event} was crossed;
     * otherwise unless the driver set VRING_AVAIL_F_NO_INTERRUPT.
     */
    public boolean needsNotificationAfterFence() {
        if (usedSinceDecision == 0 || fault != null) {
            return false;
        }
        requireBound();
        // Full fence: our used idx store must be globally visible before we load the driver's
        // used_event (or flags). The driver stores used_event and then loads used idx; without a
        // store-load barrier on both sides each could miss the other and the interrupt is lost.
        VarHandle.fullFence();
        int added = usedSinceDecision;
        usedSinceDecision = 0;
        if (features.eventIdx()) {
            int usedEvent = SplitRing.usedEventOpaque(availRing, size);
            int old = (nextUsed - added) & 0xffff;
            return added > 0xffff || SplitRing.needsEvent(usedEvent, nextUsed, old);
        }
        return (SplitRing.availFlagsOpaque(availRing) & SplitRing.AVAIL_F_NO_INTERRUPT) == 0;
    }

    /**
     * Asks the driver not to kick while the device is busy reading the ring. With EVENT_IDX this
     * writes nothing: the driver kicks only when it passes {@code avail_event}, which stays at the
     * position the device last waited for.
     */
    public void disableNotifications() {
        if (fault != null || features.eventIdx()) {
            return;
        }
        requireBound();
        SplitRing.setUsedFlagsOpaque(usedRing, SplitRing.USED_F_NO_NOTIFY);
        logUsedRingWrite();
    }

    /**
     * Asks the driver to kick for the next chain (sets {@code avail_event} to {@code nextAvail},
     * or clears VRING_USED_F_NO_NOTIFY), then checks whether a chain arrived meanwhile.
     *
     * @return whether chains are available (the caller must go on reading instead of waiting)
     */
    public boolean enableNotificationsAfterFence() throws QueueFaultException {
        throwIfBroken();
        requireBound();
        if (features.eventIdx()) {
            SplitRing.setAvailEventOpaque(usedRing, size, nextAvail);
        } else {
            SplitRing.setUsedFlagsOpaque(usedRing, 0);
        }
        logUsedRingWrite();
        // Full fence: the avail_event (or flags) store must be visible before we load avail idx
        // again. The driver publishes avail idx and then loads avail_event; without a store-load
        // barrier here we could sleep on a chain whose kick the driver decided to skip.
        VarHandle.fullFence();
        return availableChains() > 0;
    }

    @Override
    public String toString() {
        return "SplitQueue[" + index + ", size " + size + ", nextAvail " + nextAvail + ", nextUsed " + nextUsed
                + (fault != null ? ", broken: " + fault.fault() : "") + "]";
    }
}
