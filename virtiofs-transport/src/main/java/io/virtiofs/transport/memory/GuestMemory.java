package io.virtiofs.transport.memory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An immutable snapshot of guest memory: non-overlapping {@link GuestRegion}s sorted by guest
 * address, and bounds-checked translation of guest ranges to host memory segments.
 *
 * <p>Every lookup checks its range with overflow-safe arithmetic and throws
 * {@link GuestMemoryException} naming the address and length; a range must lie inside one region
 * (regions adjacent in the guest need not be adjacent in the host).
 *
 * <p>Users: a snapshot is created holding one user reference (its creator's; {@link MemoryTable}
 * takes it over when the snapshot is published). Workers {@link #tryRetain()} it while they read
 * through it and {@link #release()} it afterwards. When the last user is gone the snapshot has
 * drained: it lets go of its regions (unmapping those no other snapshot holds) and completes
 * {@link #drained()}.
 */
public final class GuestMemory {

    private final GuestRegion[] regions;
    private final AtomicInteger users = new AtomicInteger(1);
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    private GuestMemory(GuestRegion[] regions) {
        this.regions = regions;
    }

    /**
     * A snapshot of {@code regions} (any order), holding a reference to each.
     *
     * @throws IllegalArgumentException if two regions overlap in the guest
     * @throws IllegalStateException if a region was already released
     */
    public static GuestMemory of(List<GuestRegion> regions) {
        GuestRegion[] sorted = regions.toArray(GuestRegion[]::new);
        java.util.Arrays.sort(sorted, Comparator.comparingLong(GuestRegion::guestAddress));
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i - 1].overlaps(sorted[i])) {
                throw new IllegalArgumentException(sorted[i - 1] + " overlaps " + sorted[i]);
            }
        }
        int retained = 0;
        try {
            for (GuestRegion region : sorted) {
                region.retain();
                retained++;
            }
        } catch (IllegalStateException e) {
            for (int i = 0; i < retained; i++) {
                sorted[i].release();
            }
            throw e;
        }
        return new GuestMemory(sorted);
    }

    /** A snapshot of the given regions. */
    public static GuestMemory of(GuestRegion... regions) {
        return of(List.of(regions));
    }

    /** A snapshot with no memory at all (every lookup fails). */
    public static GuestMemory empty() {
        return new GuestMemory(new GuestRegion[0]);
    }

    /** The regions, sorted by guest address. */
    public List<GuestRegion> regions() {
        return List.of(regions);
    }

    /** A copy of this snapshot's regions with {@code region} added (vhost-user ADD_MEM_REG). */
    public GuestMemory with(GuestRegion region) {
        List<GuestRegion> list = new ArrayList<>(List.of(regions));
        list.add(region);
        return of(list);
    }

    /** A copy of this snapshot's regions without {@code region} (vhost-user REM_MEM_REG). */
    public GuestMemory without(GuestRegion region) {
        List<GuestRegion> list = new ArrayList<>(List.of(regions));
        if (!list.remove(region)) {
            throw new IllegalArgumentException(region + " is not in " + this);
        }
        return of(list);
    }

    /**
     * The host memory behind {@code [address, address + length)}.
     *
     * @throws GuestMemoryException if the range is not inside one region
     */
    public MemorySegment segment(long address, long length) {
        GuestRegion region = regionOf(address, length);
        return region.segment().asSlice(address - region.guestAddress(), length);
    }

    /**
     * The region containing the whole range {@code [address, address + length)}.
     *
     * @throws GuestMemoryException if there is none
     */
    public GuestRegion regionOf(long address, long length) {
        if (length < 0) {
            throw new GuestMemoryException(address, length, "length is negative or above 2^63");
        }
        if (address < 0) {
            throw new GuestMemoryException(address, length, "address is above 2^63");
        }
        int low = 0;
        int high = regions.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            GuestRegion region = regions[mid];
            if (address < region.guestAddress()) {
                high = mid - 1;
            } else if (address >= region.guestEnd()) {
                low = mid + 1;
            } else if (region.contains(address, length)) {
                return region;
            } else {
                throw new GuestMemoryException(address, length, "runs past the end of " + region);
            }
        }
        if (length == 0 && low > 0 && regions[low - 1].guestEnd() == address) {
            return regions[low - 1];
        }
        throw new GuestMemoryException(address, length, "starts outside guest memory");
    }

    /**
     * Translates a front-end virtual address (vhost-user vring addresses) to a guest-physical one.
     *
     * @throws GuestMemoryException if no region covers it
     */
    public long guestAddressOfUser(long userAddress) {
        for (GuestRegion region : regions) {
            if (region.containsUser(userAddress)) {
                return region.guestAddress() + (userAddress - region.userAddress());
            }
        }
        throw new GuestMemoryException(userAddress, 1, "no region has this front-end address");
    }

    /**
     * Adds a user, unless the snapshot has already drained.
     *
     * @return whether the caller is now a user (and must {@link #release()})
     */
    public boolean tryRetain() {
        while (true) {
            int count = users.get();
            if (count <= 0) {
                return false;
            }
            if (users.compareAndSet(count, count + 1)) {
                return true;
            }
        }
    }

    /** Drops a user; the last one drains the snapshot. */
    public void release() {
        int count = users.decrementAndGet();
        if (count == 0) {
            for (GuestRegion region : regions) {
                region.release();
            }
            drained.complete(null);
        } else if (count < 0) {
            throw new IllegalStateException("guest memory snapshot released more often than retained");
        }
    }

    /** Completes once the snapshot has drained and its unused regions are unmapped. */
    public CompletableFuture<Void> drained() {
        return drained.copy();
    }

    /** Whether the snapshot has drained. */
    public boolean isDrained() {
        return users.get() <= 0;
    }

    @Override
    public String toString() {
        return "GuestMemory" + List.of(regions);
    }
}
