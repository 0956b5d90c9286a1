package io.virtiofs.transport.vhostuser;

import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import io.virtiofs.transport.virtqueue.GuestWriteLog;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The front-end's dirty page log (vhost-user.rst, "Migration"): a bitmap in shared memory with
 * one bit per 4 KiB page of guest-physical memory, from address 0; the back-end sets the bits of
 * the pages it writes while the VMM copies the guest's memory, which copies those pages again.
 *
 * <p>Bits are set with atomic 64-bit ORs (the front-end clears them concurrently), only when not
 * yet set (a read first: most writes land on pages already marked). The log is little-endian bit
 * order within bytes, which on a little-endian host (x86-64, aarch64) is the order of a 64-bit
 * word's bits. A write beyond the log's end is dropped with one warning: the front-end sized the
 * log for all guest memory, so only a ring outside it could get there.
 */
final class DirtyLog implements GuestWriteLog, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DirtyLog.class.getName());
    /** {@code VHOST_LOG_PAGE}. */
    static final int PAGE_SHIFT = 12;
    private static final VarHandle WORD = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment mapping;
    private final MemorySegment log;
    private final long pages;
    private final AtomicBoolean warned = new AtomicBoolean();

    private DirtyLog(MemorySegment mapping, MemorySegment log) {
        this.mapping = mapping;
        this.log = log;
        this.pages = log.byteSize() * 8;
    }

    /**
     * Maps {@code size} bytes of {@code fd} from {@code offset} (SET_LOG_BASE's log description).
     *
     * @throws VhostUserProtocolException if the size or offset cannot be a log, or mmap fails
     */
    static DirtyLog map(int fd, long size, long offset) throws VhostUserProtocolException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new VhostUserProtocolException(ProtocolFault.UNSUPPORTED, "the dirty log needs a little-endian host");
        }
        if (size <= 0 || offset < 0 || offset % 8 != 0 || size % 8 != 0 || size > (1L << 40) || offset > (1L << 40)) {
            throw new VhostUserProtocolException(ProtocolFault.INVALID_FIELD, "dirty log of " + size
                    + " bytes at offset " + offset + " (both must be multiples of 8)");
        }
        try {
            MemorySegment mapping = MemoryCalls.mmap(0, offset + size, MemoryCalls.PROT_READ | MemoryCalls.PROT_WRITE,
                    MemoryCalls.MAP_SHARED, fd, 0);
            return new DirtyLog(mapping, mapping.asSlice(offset, size));
        } catch (NativeException e) {
            throw new VhostUserProtocolException(ProtocolFault.UNSUPPORTED, "mapping the dirty log failed: " + e.getMessage());
        }
    }

    /** The bytes of the log (for tests). */
    MemorySegment bitmap() {
        return log;
    }

    @Override
    public void written(long guestAddress, long length) {
        if (length <= 0 || guestAddress < 0) {
            return;
        }
        long first = guestAddress >>> PAGE_SHIFT;
        long last = (guestAddress + length - 1) >>> PAGE_SHIFT;
        if (last >= pages || last < first) {
            if (warned.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "a write to guest address 0x{0} ({1} bytes) is beyond the dirty"
                        + " log of {2} pages; not logged", Long.toHexString(guestAddress), length, pages);
            }
            last = Math.min(last, pages - 1);
        }
        for (long page = first; page <= last; page++) {
            long offset = (page >>> 6) << 3;
            long bit = 1L << (page & 63);
            if (((long) WORD.getOpaque(log, offset) & bit) == 0) {
                WORD.getAndBitwiseOr(log, offset, bit);
            }
        }
    }

    /** Unmaps the log; call once no queue records into it any more. */
    @Override
    public void close() {
        try {
            MemoryCalls.munmap(mapping.address(), mapping.byteSize());
        } catch (NativeException e) {
            LOG.log(System.Logger.Level.WARNING, "unmapping the dirty log failed: " + e.getMessage());
        }
    }
}
