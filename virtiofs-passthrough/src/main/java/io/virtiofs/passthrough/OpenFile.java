package io.virtiofs.passthrough;

import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A file or directory the guest opened: a host descriptor of its own (opened again from the
 * node's O_PATH descriptor, with the guest's flags made safe), the node, and for a directory the
 * listing's position and buffered entries.
 */
final class OpenFile extends Pinned {

    private static final System.Logger LOG = System.getLogger(OpenFile.class.getName());
    /** The getdents64 buffer of a directory handle: as glibc's readdir uses. */
    static final int DIRENT_BUFFER = 32768;

    final long fh;
    final Node node;
    final int fd;
    /** The host open flags. */
    final int flags;
    private final DescriptorBudget budget;

    // Directory listing state, guarded by listing.
    final ReentrantLock listing = new ReentrantLock();
    MemorySegment dirents = MemorySegment.NULL;
    /** Bytes of valid entries in {@link #dirents}, and where the next one starts. */
    int direntLength;
    int direntPosition;
    /** The offset the next entry continues from (the last entry's d_off), or -1 when unknown. */
    long nextOffset;

    OpenFile(long fh, Node node, int fd, int flags, DescriptorBudget budget) {
        this.fh = fh;
        this.node = node;
        this.fd = fd;
        this.flags = flags;
        this.budget = budget;
    }

    /**
     * The directory entry buffer, made on first use (under {@link #listing}). Its memory goes with
     * the garbage collector: closing a shared arena stops every thread of the JVM for a handshake,
     * which once per closed directory cost more than the listing.
     */
    MemorySegment direntBuffer() {
        if (dirents.byteSize() == 0) {
            dirents = Arena.ofAuto().allocate(DIRENT_BUFFER, 8);
        }
        return dirents;
    }

    @Override
    void close() {
        try {
            FileCalls.close(fd);
        } catch (NativeException e) {
            LOG.log(Level.WARNING, "closing handle " + fh + " of " + node + " failed: " + e.getMessage());
        }
        budget.release();
        node.unpin(); // the pin the handle held since it was opened
    }
}
