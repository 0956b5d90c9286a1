package io.virtiofs.passthrough;

import io.virtiofs.transport.internal.nativeio.FileCalls;
import io.virtiofs.transport.internal.nativeio.NativeException;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The descriptor that holds one POSIX lock owner's record locks on one node: an open file
 * description of its own, so the host's open file description locks give each guest lock owner
 * (a process, for POSIX locks) its own locks, as fcntl locks would on a local file system.
 * Closing it drops them all, as closing any descriptor of a file drops a process's POSIX locks.
 */
final class LockOwnerFile {

    private static final System.Logger LOG = System.getLogger(LockOwnerFile.class.getName());

    final int fd;
    /** Whether {@link #fd} is open for writing (write locks need it). */
    final boolean writable;
    private final DescriptorBudget budget;
    private final AtomicBoolean closed = new AtomicBoolean();

    LockOwnerFile(int fd, boolean writable, DescriptorBudget budget) {
        this.fd = fd;
        this.writable = writable;
        this.budget = budget;
    }

    /** Closes the descriptor (once), dropping the owner's locks. */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            FileCalls.close(fd);
        } catch (NativeException e) {
            LOG.log(Level.WARNING, "closing a lock owner's descriptor failed: " + e.getMessage());
        }
        budget.release();
    }
}
