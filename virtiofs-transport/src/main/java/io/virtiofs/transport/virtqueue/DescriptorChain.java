package io.virtiofs.transport.virtqueue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.virtiofs.transport.memory.GuestMemory;
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
 * it cannot grow). One descriptor is a wrapped slice, several a composite. The same objects are
 * reused when the driver posts the same buffers under the same head again, so a steady stream
 * of requests allocates nothing here.
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
    private int readableLength;
    private int writableLength;
    private boolean indirect;
    boolean inFlight;

    private @Nullable GuestMemory viewMemory;
    private int viewCount;
    private int viewReadableCount;
    private long[] viewAddresses = new long[0];
    private int[] viewLengths = new int[0];
    private ByteBuf readableView = Unpooled.EMPTY_BUFFER;
    private ByteBuf writableView = Unpooled.EMPTY_BUFFER;

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

    /** Adds a descriptor already checked to lie in guest memory, and to respect readable-then-writable. */
    void add(long address, int length, boolean writable) {
        if (count == addresses.length) {
            addresses = Arrays.copyOf(addresses, count * 2);
            lengths = Arrays.copyOf(lengths, count * 2);
        }
        addresses[count] = address;
        lengths[count] = length;
        count++;
        if (writable) {
            writableLength += length;
        } else {
            readableCount++;
            readableLength += length;
        }
    }

    /** Makes the buffer views match the descriptors, reusing the previous views when they do. */
    void finish() {
        GuestMemory mem = requireMemory();
        if (mem == viewMemory && count == viewCount && readableCount == viewReadableCount
                && Arrays.equals(addresses, 0, count, viewAddresses, 0, count)
                && Arrays.equals(lengths, 0, count, viewLengths, 0, count)) {
            readableView.setIndex(0, readableLength);
            writableView.setIndex(0, 0);
            return;
        }
        readableView = buildView(mem, 0, readableCount, readableLength, true);
        writableView = buildView(mem, readableCount, count, writableLength, false);
        viewMemory = mem;
        viewCount = count;
        viewReadableCount = readableCount;
        viewAddresses = Arrays.copyOf(addresses, count);
        viewLengths = Arrays.copyOf(lengths, count);
    }

    private ByteBuf buildView(GuestMemory mem, int from, int to, int total, boolean readOnly) {
        int parts = 0;
        int last = -1;
        for (int i = from; i < to; i++) {
            if (lengths[i] > 0) {
                parts++;
                last = i;
            }
        }
        if (parts == 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        ByteBuf view;
        if (parts == 1) {
            view = wrap(mem, last, readOnly);
        } else {
            CompositeByteBuf composite = Unpooled.compositeBuffer(parts);
            for (int i = from; i < to; i++) {
                if (lengths[i] > 0) {
                    composite.addComponent(true, wrap(mem, i, readOnly));
                }
            }
            // A slice has a fixed capacity: the view can never grow past the guest's buffers.
            view = composite.slice(0, total);
        }
        return readOnly ? view.setIndex(0, total) : view.setIndex(0, 0);
    }

    private ByteBuf wrap(GuestMemory mem, int i, boolean readOnly) {
        MemorySegment segment = mem.segment(addresses[i], lengths[i]);
        return Unpooled.wrappedBuffer((readOnly ? segment.asReadOnly() : segment).asByteBuffer());
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
