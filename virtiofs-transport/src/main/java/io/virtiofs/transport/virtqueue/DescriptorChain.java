package io.virtiofs.transport.virtqueue;

import io.netty.buffer.ByteBuf;
import io.virtiofs.transport.memory.GuestMemory;
import io.virtiofs.transport.memory.GuestRegion;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One validated descriptor chain popped from a {@link SplitQueue} (VIRTIO 1.2 §2.7.5): its
 * device-readable descriptors, then its device-writable ones, each inside guest memory.
 *
 * <p>The two parts are offered as netty buffers over guest memory, without copying:
 * {@link #readable()} (read-only, its readable bytes the whole readable part) and
 * {@link #writable()} (empty, its {@link ByteBuf#maxWritableBytes()} exactly the writable space;
 * it cannot grow). Several descriptors in one direction read and write as one stream. The two
 * buffer objects belong to the head and are retargeted to each chain popped under it, so a
 * steady stream of requests allocates nothing here, whichever buffers the driver posts.
 *
 * <p>A chain belongs to its queue's owning thread until handed on; the buffers stay valid while
 * the chain's {@link #memory()} snapshot is retained, which the device arranges.
 */
public final class DescriptorChain {

    private final int headIndex;

    private @Nullable GuestMemory memory;
    private int count;
    private int readableCount;
    private long[] addresses = new long[2];
    private int[] lengths = new int[2];
    private @Nullable GuestRegion[] regions = new GuestRegion[2];
    private int readableLength;
    private int writableLength;
    private boolean indirect;
    boolean inFlight;

    private final ChainBuffer readableView = new ChainBuffer(true);
    private final ChainBuffer writableView = new ChainBuffer(false);

    DescriptorChain(int headIndex) {
        this.headIndex = headIndex;
    }

    void begin(GuestMemory memory) {
        this.memory = memory;
        count = 0;
        readableCount = 0;
        readableLength = 0;
        writableLength = 0;
        indirect = false;
    }

    void markIndirect() {
        indirect = true;
    }

    /**
     * Adds a descriptor already checked to lie in {@code region}, and to respect
     * readable-then-writable.
     */
    void add(GuestRegion region, long address, int length, boolean writable) {
        if (count == addresses.length) {
            addresses = Arrays.copyOf(addresses, count * 2);
            lengths = Arrays.copyOf(lengths, count * 2);
            regions = Arrays.copyOf(regions, count * 2);
        }
        addresses[count] = address;
        lengths[count] = length;
        regions[count] = region;
        count++;
        if (writable) {
            writableLength += length;
        } else {
            readableCount++;
            readableLength += length;
        }
    }

    /** Points the two buffers at the descriptors (zero-length ones are skipped). */
    void finish() {
        readableView.clearParts();
        writableView.clearParts();
        for (int i = 0; i < count; i++) {
            if (lengths[i] > 0) {
                GuestRegion region = regions[i];
                assert region != null : "descriptor " + i + " has no region";
                (i < readableCount ? readableView : writableView).addPart(region.segment(),
                        addresses[i] - region.guestAddress(), lengths[i]);
            }
        }
        readableView.seal();
        writableView.seal();
    }

    private GuestMemory requireMemory() {
        GuestMemory mem = memory;
        if (mem == null) {
            throw new IllegalStateException("descriptor chain " + headIndex + " holds no memory");
        }
        return mem;
    }

    /** The index of the chain's first descriptor in the descriptor table (the used element's id). */
    public int headIndex() {
        return headIndex;
    }

    /** The guest memory snapshot the chain was read from. */
    public GuestMemory memory() {
        return requireMemory();
    }

    /** Whether the chain went through an indirect table. */
    public boolean isIndirect() {
        return indirect;
    }

    /** The number of buffer descriptors (indirect table descriptors not counted). */
    public int descriptorCount() {
        return count;
    }

    /** The number of device-readable descriptors; they come first. */
    public int readableDescriptorCount() {
        return readableCount;
    }

    /** Descriptor {@code i}'s guest address. */
    public long descriptorAddress(int i) {
        return addresses[checkIndex(i)];
    }

    /** Descriptor {@code i}'s length in bytes. */
    public int descriptorLength(int i) {
        return lengths[checkIndex(i)];
    }

    /** Whether descriptor {@code i} is device-writable. */
    public boolean isWritable(int i) {
        return checkIndex(i) >= readableCount;
    }

    private int checkIndex(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("descriptor " + i + " of a chain of " + count);
        }
        return i;
    }

    /** Total bytes of the device-readable part. */
    public int readableLength() {
        return readableLength;
    }

    /** Total bytes of the device-writable part. */
    public int writableLength() {
        return writableLength;
    }

    /**
     * The readable part as a read-only buffer over guest memory: reader index 0, writer index
     * {@link #readableLength()}. The same object on every call.
     */
    public ByteBuf readable() {
        return readableView;
    }

    /**
     * The writable part as a buffer over guest memory: empty, capacity and max capacity
     * {@link #writableLength()}. The same object on every call; its writer index after the
     * reply is the used length.
     */
    public ByteBuf writable() {
        return writableView;
    }

    /** The readable descriptors' memory, one segment each (allocates; for inspection). */
    public List<MemorySegment> readableSegments() {
        return segments(0, readableCount);
    }

    /** The writable descriptors' memory, one segment each (allocates; for inspection). */
    public List<MemorySegment> writableSegments() {
        return segments(readableCount, count);
    }

    private List<MemorySegment> segments(int from, int to) {
        GuestMemory mem = requireMemory();
        List<MemorySegment> list = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            MemorySegment segment = mem.segment(addresses[i], lengths[i]);
            list.add(i < readableCount ? segment.asReadOnly() : segment);
        }
        return List.copyOf(list);
    }

    @Override
    public String toString() {
        return "DescriptorChain[head " + headIndex + ", " + count + " descriptors, " + readableLength + " readable, "
                + writableLength + " writable" + (indirect ? ", indirect" : "") + "]";
    }
}
