package io.virtiofs.transport.vhostuser;

import io.virtiofs.api.DaxMapping;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.MappingSource;
import io.virtiofs.transport.device.DaxBacking;
import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.MemoryCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A DAX window that lives in the front-end: shared memory region 0 of the device, which a
 * vhost-user front-end (QEMU 11.1's generic {@code vhost-user-test-device-pci} with
 * {@code virtio-id=26}) sizes from GET_SHMEM_CONFIG and exposes to the guest as a PCI BAR. Each
 * mapping is a {@code VHOST_USER_BACKEND_SHMEM_MAP} request on the back-end channel carrying the
 * file's descriptor; unmapping is {@code VHOST_USER_BACKEND_SHMEM_UNMAP}. The guest's request is
 * answered only after the front-end acknowledged (REPLY_ACK).
 *
 * <p><b>Overlaps.</b> The specification lets a mapping overlap older ones, the newer one showing;
 * QEMU refuses a SHMEM_MAP that overlaps a mapping it holds and unmaps only a whole mapping, at its
 * exact offset and length. So this backing keeps the front-end's mappings as the front-end knows
 * them; before a new mapping, it unmaps every one it overlaps and maps again the parts of them
 * outside the new range (from a duplicate of their descriptor it keeps for this). Removing a range
 * does the same without the new mapping; a range where nothing is mapped costs no message.
 *
 * <p><b>Failures.</b> A refusal answers the guest {@code EIO}; no answer within the timeout
 * answers {@code ETIMEDOUT} (the mapping is then kept as uncertain: a later unmap of it is sent,
 * and its refusal accepted, as is any refusal of an unmap: QEMU refuses only what it does not hold);
 * no back-end channel, or one the front-end closed, answers
 * {@code ENOTCONN}. The queue carries on in every case.
 *
 * <p>Thread-safe: the window's table serialises calls.
 */
public final class VhostUserDaxBacking implements DaxBacking {

    private static final System.Logger LOG = System.getLogger(VhostUserDaxBacking.class.getName());
    /** The DAX window is shared memory region 0 (virtio-fs: VIRTIO_FS_SHMCAP_ID_CACHE). */
    static final int SHMID = 0;
    private static final int F_DUPFD_CLOEXEC = 1030;

    private final long size;
    private final long alignment;
    private final Duration timeout;
    private volatile @Nullable BackEndChannel channel;
    /** The front-end's mappings, by window offset; they never overlap. */
    private final TreeMap<Long, Held> held = new TreeMap<>();
    private final AtomicLong mapRequests = new AtomicLong();
    private final AtomicLong unmapRequests = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    /**
     * @param size the window's size: a power of two (QEMU places the region in a PCI BAR) of at
     *     least the page size
     * @param timeout how long to wait for the front-end's answer to each request
     */
    public VhostUserDaxBacking(long size, Duration timeout) {
        long page = MemoryCalls.pageSize();
        if (size < page || Long.bitCount(size) != 1) {
            throw new IllegalArgumentException("DAX window size " + size + " is not a power of two of at least " + page);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("reply timeout " + timeout + " is not positive");
        }
        this.size = size;
        this.alignment = page;
        this.timeout = timeout;
    }

    /** One mapping as the front-end holds it. */
    private record Held(long windowOffset, long length, SharedFd fd, long sourceOffset, boolean writable,
                        boolean uncertain) {
        long windowEnd() {
            return windowOffset + length;
        }

        Held asUncertain() {
            return new Held(windowOffset, length, fd, sourceOffset, writable, true);
        }
    }

    /** A duplicated descriptor shared by the pieces of one mapping; closed with the last. */
    private static final class SharedFd {
        final int fd;
        int users = 1;

        SharedFd(int fd) {
            this.fd = fd;
        }

        SharedFd retain() {
            users++;
            return this;
        }

        void release() {
            if (--users == 0) {
                ReceivedFds.closeQuietly(fd);
            }
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public long alignment() {
        return alignment;
    }

    /** The time each request waits for the front-end's answer. */
    public Duration timeout() {
        return timeout;
    }

    /** SHMEM_MAP requests sent (pieces of split mappings included). */
    public long mapRequests() {
        return mapRequests.get();
    }

    /** SHMEM_UNMAP requests sent. */
    public long unmapRequests() {
        return unmapRequests.get();
    }

    /** Requests refused, unanswered in time, or not deliverable. */
    public long failures() {
        return failures.get();
    }

    /**
     * Whether a mapping request waits for the front-end's answer now (no lock: the session's thread
     * asks while a worker holds the window).
     */
    boolean awaitingFrontEnd() {
        BackEndChannel current = channel;
        return current != null && current.awaiting();
    }

    /** How many mappings the front-end holds (as far as this back-end knows). */
    public synchronized int frontEndMappings() {
        return held.size();
    }

    /** Takes the back-end channel of a new front-end connection (SET_BACKEND_REQ_FD). */
    synchronized void attach(BackEndChannel newChannel) {
        forgetAll();
        channel = newChannel;
    }

    /**
     * The device was reset (RESET_DEVICE): the front-end dropped every mapping; the channel stays.
     */
    synchronized void deviceReset() {
        for (Held mapping : held.values()) {
            mapping.fd().release();
        }
        held.clear();
    }

    /**
     * The front-end connection ended: its mappings went with it. Closes the channel and every kept
     * descriptor.
     */
    synchronized void detach() {
        forgetAll();
    }

    private void forgetAll() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
        for (Held mapping : held.values()) {
            mapping.fd().release();
        }
        held.clear();
    }

    @Override
    public synchronized void map(DaxMapping mapping) {
        BackEndChannel to = requireChannel();
        int fd = switch (mapping.source()) {
            case MappingSource.FileDescriptor descriptor -> descriptor.fd();
        };
        SharedFd copy;
        try {
            copy = new SharedFd(FileCalls.fcntl(fd, F_DUPFD_CLOEXEC, 0));
        } catch (NativeException e) {
            throw new ErrnoException(e.errno() == Errno.EMFILE ? Errno.EMFILE : Errno.EBADF,
                    "the mapping's descriptor " + fd + " cannot be kept: " + e.getMessage());
        }
        try {
            clear(to, mapping.windowOffset(), mapping.windowEnd());
            send(to, new Held(mapping.windowOffset(), mapping.length(), copy, mapping.sourceOffset(),
                    mapping.writable(), false));
        } finally {
            copy.release();
        }
    }

    @Override
    public synchronized void unmap(long windowOffset, long length) {
        clear(requireChannel(), windowOffset, windowOffset + length);
    }

    private BackEndChannel requireChannel() {
        BackEndChannel current = channel;
        if (current == null || !current.usable()) {
            failures.incrementAndGet();
            throw new ErrnoException(Errno.ENOTCONN, current == null
                    ? "the front-end gave no back-end channel (VHOST_USER_PROTOCOL_F_BACKEND_REQ)"
                    : "the front-end closed the back-end channel");
        }
        return current;
    }

    /**
     * Sends SHMEM_MAP for {@code piece}; on success (or an unknown outcome) the front-end holds it,
     * and the table takes a reference to its descriptor.
     */
    private void send(BackEndChannel to, Held piece) {
        mapRequests.incrementAndGet();
        BackEndChannel.Outcome outcome = to.map(SHMID, piece.fd().fd, piece.sourceOffset(), piece.windowOffset(),
                piece.length(), piece.writable());
        switch (outcome) {
            case DONE -> {
                piece.fd().retain();
                held.put(piece.windowOffset(), piece);
            }
            case TIMED_OUT -> {
                piece.fd().retain();
                held.put(piece.windowOffset(), piece.asUncertain());
                throw failed(Errno.ETIMEDOUT, "SHMEM_MAP", piece, "no answer within " + timeout.toMillis() + " ms");
            }
            case REFUSED -> throw failed(Errno.EIO, "SHMEM_MAP", piece, "the front-end refused");
            case GONE -> throw failed(Errno.ENOTCONN, "SHMEM_MAP", piece, "the back-end channel is closed");
        }
    }

    /**
     * Unmaps every front-end mapping in {@code [start, end)}, mapping again the parts of them
     * outside it.
     */
    private void clear(BackEndChannel to, long start, long end) {
        List<Held> overlapping = new ArrayList<>();
        Map.Entry<Long, Held> before = held.lowerEntry(start);
        if (before != null && before.getValue().windowEnd() > start) {
            overlapping.add(before.getValue());
        }
        overlapping.addAll(held.subMap(start, true, end, false).values());
        for (Held old : overlapping) {
            // Throws while the front-end may still hold it; then the table keeps it (and its reference).
            unmapWhole(to, old);
            try {
                if (old.windowOffset() < start) {
                    send(to, new Held(old.windowOffset(), start - old.windowOffset(), old.fd(), old.sourceOffset(),
                            old.writable(), false));
                }
                if (old.windowEnd() > end) {
                    send(to, new Held(end, old.windowEnd() - end, old.fd(),
                            old.sourceOffset() + (end - old.windowOffset()), old.writable(), false));
                }
            } finally {
                old.fd().release();
            }
        }
    }

    private void unmapWhole(BackEndChannel to, Held mapping) {
        unmapRequests.incrementAndGet();
        BackEndChannel.Outcome outcome = to.unmap(SHMID, mapping.windowOffset(), mapping.length());
        switch (outcome) {
            case DONE -> held.remove(mapping.windowOffset());
            case REFUSED -> {
                // QEMU refuses only an unmap of what it does not hold (a map whose answer never
                // came, mappings it dropped at a device reset): it is not mapped, which is what was
                // wanted. Were it mapped after all, the map that follows is refused as an overlap.
                if (!mapping.uncertain()) {
                    LOG.log(System.Logger.Level.DEBUG, "SHMEM_UNMAP of " + mapping.length() + " bytes at window offset "
                            + mapping.windowOffset() + " refused: the front-end no longer held it");
                }
                held.remove(mapping.windowOffset());
            }
            case TIMED_OUT -> {
                held.put(mapping.windowOffset(), mapping.asUncertain());
                throw failed(Errno.ETIMEDOUT, "SHMEM_UNMAP", mapping, "no answer within " + timeout.toMillis() + " ms");
            }
            case GONE -> throw failed(Errno.ENOTCONN, "SHMEM_UNMAP", mapping, "the back-end channel is closed");
        }
    }

    private ErrnoException failed(Errno errno, String request, Held mapping, String why) {
        failures.incrementAndGet();
        String text = request + " of " + mapping.length() + " bytes at window offset " + mapping.windowOffset()
                + " failed: " + why;
        LOG.log(System.Logger.Level.WARNING, text);
        return new ErrnoException(errno, text);
    }
}
