package io.virtiofs.transport.memory;

import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One contiguous range of guest-physical memory and the host memory behind it.
 *
 * <p>A region comes either from a file descriptor mapping ({@link #mapFile}: how a vhost-user
 * front-end's memory table arrives, each region with the front-end's own user address kept for
 * translating vring addresses) or from a memory segment the caller owns ({@link #ofSegment}, in
 * tests and in-process drivers).
 *
 * <p>Lifetime: every {@link GuestMemory} snapshot that contains the region holds a reference to
 * it; when the last snapshot holding it has drained (no worker uses it any more), a mapped region
 * is unmapped. A region that never joined a snapshot is released with {@link #close()}.
 */
public final class GuestRegion implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(GuestRegion.class.getName());

    /**
     * Guest and host addresses of a region agree modulo this, so naturally aligned guest fields
     * (ring indexes read with acquire/release) are naturally aligned in the host too.
     */
    public static final long ALIGNMENT = 16;

    private final long guestAddress;
    private final long size;
    private final long userAddress;
    private final MemorySegment segment;
    private final boolean mapped;
    /** Snapshots holding this region; -1 once released. */
    private final AtomicInteger references = new AtomicInteger();

    private GuestRegion(long guestAddress, long userAddress, MemorySegment segment, boolean mapped) {
        long size = segment.byteSize();
        if (!segment.isNative()) {
            throw new IllegalArgumentException("guest memory must be native memory, not " + segment);
        }
        if (((segment.address() ^ guestAddress) & (ALIGNMENT - 1)) != 0) {
            throw new IllegalArgumentException("guest region at 0x" + Long.toHexString(guestAddress)
                    + " and its host memory at 0x" + Long.toHexString(segment.address())
                    + " are not congruent modulo " + ALIGNMENT + " (ring fields would be misaligned)");
        }
        if (size <= 0) {
            throw new IllegalArgumentException("guest region at 0x" + Long.toHexString(guestAddress) + " is empty");
        }
        if (guestAddress < 0 || guestAddress + size < 0 || guestAddress + size < guestAddress) {
            throw new IllegalArgumentException("guest region 0x" + Long.toHexString(guestAddress) + " of " + size
                    + " bytes overflows the guest address space");
        }
        if (Long.compareUnsigned(userAddress + size, userAddress) < 0 && userAddress + size != 0) {
            throw new IllegalArgumentException("user address 0x" + Long.toHexString(userAddress) + " of " + size
                    + " bytes overflows");
        }
        this.guestAddress = guestAddress;
        this.size = size;
        this.userAddress = userAddress;
        this.segment = segment;
        this.mapped = mapped;
    }

    /**
     * A region over native memory the caller owns and keeps alive (an {@code Arena} segment). Its
     * user address is the guest address.
     *
     * @throws IllegalArgumentException if the segment is not native, or its address and
     *     {@code guestAddress} differ modulo {@value #ALIGNMENT}
     */
    public static GuestRegion ofSegment(long guestAddress, MemorySegment segment) {
        return new GuestRegion(guestAddress, guestAddress, segment, false);
    }

    /**
     * Maps {@code size} bytes of {@code fd} from {@code mmapOffset} ({@code MAP_SHARED}, read and
     * write) as the guest range at {@code guestAddress}; the descriptor may be closed afterwards.
     * (vhost-user {@code VhostUserMemoryRegion}: guest_phys_addr, memory_size, userspace_addr,
     * mmap_offset.)
     *
     * @throws IOException if {@code mmap(2)} fails
     */
    public static GuestRegion mapFile(long guestAddress, long size, long userAddress, int fd, long mmapOffset)
            throws IOException {
        if (size <= 0) {
            throw new IllegalArgumentException("guest region size " + size + " is not positive");
        }
        if (mmapOffset < 0 || mmapOffset % MemoryCalls.pageSize() != 0) {
            throw new IllegalArgumentException("mmap offset " + mmapOffset + " is not a non-negative multiple of the page size");
        }
        MemorySegment segment = MemoryCalls.mmap(0, size, MemoryCalls.PROT_READ | MemoryCalls.PROT_WRITE,
                MemoryCalls.MAP_SHARED, fd, mmapOffset);
        try {
            return new GuestRegion(guestAddress, userAddress, segment, true);
        } catch (IllegalArgumentException e) {
            unmap(segment);
            throw e;
        }
    }

    /** The first guest-physical address. */
    public long guestAddress() {
        return guestAddress;
    }

    /** The size in bytes. */
    public long size() {
        return size;
    }

    /** The first guest-physical address after the region. */
    public long guestEnd() {
        return guestAddress + size;
    }

    /** The front-end's virtual address of the region's start (vring addresses arrive in these). */
    public long userAddress() {
        return userAddress;
    }

    /** The whole region's host memory. */
    public MemorySegment segment() {
        return segment;
    }

    /** Whether the guest range {@code [address, address + length)} lies inside this region. */
    public boolean contains(long address, long length) {
        if (length < 0 || address < guestAddress) {
            return false;
        }
        long offset = address - guestAddress;
        return offset <= size && length <= size - offset;
    }

    /** Whether the user (front-end virtual) address lies inside this region. */
    public boolean containsUser(long address) {
        long offset = address - userAddress;
        return Long.compareUnsigned(offset, size) < 0;
    }

    /** Whether the guest ranges of two regions intersect. */
    public boolean overlaps(GuestRegion other) {
        return guestAddress < other.guestEnd() && other.guestAddress < guestEnd();
    }

    void retain() {
        while (true) {
            int count = references.get();
            if (count < 0) {
                throw new IllegalStateException("guest region at 0x" + Long.toHexString(guestAddress) + " was released");
            }
            if (references.compareAndSet(count, count + 1)) {
                return;
            }
        }
    }

    void release() {
        int count = references.decrementAndGet();
        if (count == 0 && references.compareAndSet(0, -1)) {
            free();
        }
    }

    /** Whether the region's memory was given back (unmapped). */
    public boolean isReleased() {
        return references.get() < 0;
    }

    /**
     * Releases a region that no snapshot holds (a region that was never published, or whose
     * creation failed half-way).
     *
     * @throws IllegalStateException if a snapshot still holds it
     */
    @Override
    public void close() {
        if (references.compareAndSet(0, -1)) {
            free();
        } else if (references.get() > 0) {
            throw new IllegalStateException("guest region at 0x" + Long.toHexString(guestAddress)
                    + " is still held by " + references.get() + " snapshot(s)");
        }
    }

    private void free() {
        if (mapped) {
            unmap(segment);
        }
    }

    private static void unmap(MemorySegment segment) {
        try {
            MemoryCalls.munmap(segment.address(), segment.byteSize());
        } catch (NativeException e) {
            LOG.log(System.Logger.Level.ERROR, "munmap of a guest region failed", e);
        }
    }

    @Override
    public String toString() {
        return "GuestRegion[0x" + Long.toHexString(guestAddress) + "..0x" + Long.toHexString(guestEnd()) + ", user 0x"
                + Long.toHexString(userAddress) + (mapped ? ", mapped" : "") + "]";
    }
}
