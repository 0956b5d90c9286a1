package io.virtiofs.transport.vhostuser;

import io.virtiofs.transport.device.VirtioFsDevice;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.internal.nativeio.NodeCalls;
import io.virtiofs.transport.internal.nativeio.StatxBuffer;
import io.virtiofs.transport.memory.GuestMemory;
import io.virtiofs.transport.memory.GuestRegion;
import java.io.IOException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The front-end's guest memory as the device sees it: maps the regions of SET_MEM_TABLE and
 * ADD_MEM_REG from the descriptors sent along (each at its mmap offset, keeping its user address
 * for translating vring addresses), unmaps those REM_MEM_REG names, and publishes each new map to
 * the device as an immutable snapshot (running queues switch between chains; a replaced region is
 * unmapped once no worker reads it).
 */
final class MemoryMap {

    /**
     * GET_MAX_MEM_SLOTS: the most regions kept at once. QEMU's own limit (VHOST_USER_MAX_RAM_SLOTS
     * on x86): with a DAX window QEMU adds every mapping (a 2 MiB range for Linux guests) to the
     * memory table, and a guest's O_DIRECT I/O from a DAX mapping is served only through it; a
     * window of up to about 1 GiB fits. Lookups are binary searches; a change copies the table.
     */
    static final int MAX_SLOTS = 512;
    /** How long REM_MEM_REG waits for workers to let go of the region. */
    static final Duration UNMAP_WAIT = Duration.ofSeconds(1);

    private static final System.Logger LOG = System.getLogger(MemoryMap.class.getName());

    private final VirtioFsDevice device;
    private final boolean acceptUnsealed;
    private boolean set;

    /** @param acceptUnsealed whether memory that cannot be sealed against shrinking is accepted */
    MemoryMap(VirtioFsDevice device, boolean acceptUnsealed) {
        this.device = device;
        this.acceptUnsealed = acceptUnsealed;
    }

    /** Whether the front-end sent any memory yet. */
    boolean isSet() {
        return set;
    }

    /** The current map (for address translation only; workers acquire their own references). */
    GuestMemory current() {
        return device.memoryTable().peek();
    }

    /** SET_MEM_TABLE: replaces the whole map; region {@code i} is mapped from descriptor {@code i}. */
    void replace(List<MemoryRegion> regions, ReceivedFds fds) throws VhostUserProtocolException {
        List<GuestRegion> mapped = new ArrayList<>(regions.size());
        GuestMemory next;
        try {
            for (int i = 0; i < regions.size(); i++) {
                mapped.add(map(regions.get(i), fds.peek(i)));
            }
            next = of(mapped);
        } catch (VhostUserProtocolException | RuntimeException e) {
            mapped.forEach(GuestRegion::close);
            throw e;
        }
        publish(next);
    }

    /** ADD_MEM_REG: maps one more region from the one descriptor sent along. */
    void add(MemoryRegion region, ReceivedFds fds) throws VhostUserProtocolException {
        GuestMemory current = current();
        if (current.regions().size() >= MAX_SLOTS) {
            throw new VhostUserProtocolException(ProtocolFault.MEMORY, "all " + MAX_SLOTS + " memory slots are in use");
        }
        GuestRegion mapped = map(region, fds.peek(0));
        GuestMemory next;
        try {
            next = current.with(mapped);
        } catch (IllegalArgumentException e) {
            mapped.close();
            throw new VhostUserProtocolException(ProtocolFault.MEMORY, region + ": " + e.getMessage());
        }
        publish(next);
    }

    /**
     * REM_MEM_REG: drops the region with the same guest address, size and user address, and waits
     * (up to {@link #UNMAP_WAIT}) until no worker reads it any more and it is unmapped, so that
     * the acknowledgement means what the front-end expects. A worker busy with a long request, or a
     * disabled ring's worker, may hold it longer; then it is unmapped later.
     */
    void remove(MemoryRegion region) throws VhostUserProtocolException {
        remove(region, () -> false);
    }

    /**
     * REM_MEM_REG as {@link #remove(MemoryRegion)}, without waiting while {@code workerAwaitsFrontEnd}
     * says a worker is blocked on the front-end: that worker (mapping a DAX range, holding the
     * memory it is translating) cannot let go before the front-end hears from us, and the
     * front-end waits for this acknowledgement first. The region is unmapped when it lets go.
     */
    void remove(MemoryRegion region, BooleanSupplier workerAwaitsFrontEnd) throws VhostUserProtocolException {
        GuestMemory current = current();
        for (GuestRegion existing : current.regions()) {
            if (existing.guestAddress() == region.guestAddress() && existing.size() == region.size()
                    && existing.userAddress() == region.userAddress()) {
                CompletableFuture<Void> drained = publish(current.without(existing));
                if (workerAwaitsFrontEnd.getAsBoolean() && !drained.isDone()) {
                    LOG.log(System.Logger.Level.DEBUG, "{0} is unmapped when the worker waiting for the front-end lets go",
                            existing);
                    return;
                }
                try {
                    drained.get(UNMAP_WAIT.toNanos(), TimeUnit.NANOSECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    LOG.log(System.Logger.Level.INFO, "{0} is still in use; it is unmapped when its last user leaves",
                            existing);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
        }
        throw new VhostUserProtocolException(ProtocolFault.MEMORY, "no mapped region matches " + region);
    }

    /**
     * Translates a vring's user address (what SET_VRING_ADDR carries) to its guest-physical one.
     *
     * @throws VhostUserProtocolException {@link ProtocolFault#OUT_OF_ORDER} before any memory,
     *     {@link ProtocolFault#MEMORY} if no region holds the address
     */
    long guestAddressOfUser(String what, long userAddress) throws VhostUserProtocolException {
        if (!set) {
            throw new VhostUserProtocolException(ProtocolFault.OUT_OF_ORDER, "a vring address before any memory table");
        }
        try {
            return current().guestAddressOfUser(userAddress);
        } catch (RuntimeException e) {
            throw new VhostUserProtocolException(ProtocolFault.MEMORY, what + " at user address 0x"
                    + Long.toHexString(userAddress) + " is in no memory region");
        }
    }

    private static GuestMemory of(List<GuestRegion> regions) throws VhostUserProtocolException {
        try {
            return GuestMemory.of(regions);
        } catch (IllegalArgumentException e) {
            throw new VhostUserProtocolException(ProtocolFault.MEMORY, e.getMessage());
        }
    }

    /**
     * Hands {@code next} (and its creation reference) to the device.
     *
     * @return completes when the replaced map is unused and its dropped regions unmapped
     */
    private CompletableFuture<Void> publish(GuestMemory next) {
        CompletableFuture<Void> drained;
        try {
            drained = device.setMemory(next);
        } catch (RuntimeException e) {
            next.release();
            throw e;
        }
        set = true;
        return drained;
    }

    /**
     * Maps one region after {@link FrontEndDescriptors#guardMemory} made sure its file cannot shrink
     * under the mapping (or the back-end accepts that it can) and holds the whole region: touching
     * a page past the end of the file raises SIGBUS.
     */
    private GuestRegion map(MemoryRegion region, int fd) throws VhostUserProtocolException {
        FrontEndDescriptors.guardMemory(region, fd, acceptUnsealed);
        try {
            return GuestRegion.mapFile(region.guestAddress(), region.size(), region.userAddress(), fd, region.mmapOffset());
        } catch (IOException | IllegalArgumentException e) {
            throw new VhostUserProtocolException(ProtocolFault.MEMORY, "cannot map " + region + ": " + e.getMessage());
        }
    }
}
