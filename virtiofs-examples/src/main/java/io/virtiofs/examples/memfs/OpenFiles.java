package io.virtiofs.examples.memfs;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import io.virtiofs.api.OpenFlags;
import java.util.function.Consumer;

/**
 * The open handles by {@code fh}. Handles are numbered from 1 and never reused; a lookup takes no
 * lock ({@link IdTable}). An open handle counts as a reference on its inode.
 */
final class OpenFiles {

    private final IdTable<OpenFile> byFh = new IdTable<>(1);

    /** Opens a handle on {@code inode}. */
    OpenFile open(Inode inode, OpenFlags flags) {
        inode.addOpen();
        try {
            long fh = byFh.add(id -> new OpenFile(id, inode, flags));
            OpenFile file = byFh.get(fh);
            if (file == null) {
                throw new IllegalStateException("handle " + fh + " vanished");
            }
            return file;
        } catch (RuntimeException e) {
            inode.removeOpen();
            throw e;
        }
    }

    /**
     * The handle {@code fh}, which must be open on node {@code nodeid}.
     *
     * @throws ErrnoException {@code EBADF} if it is not
     */
    OpenFile get(long fh, long nodeid) {
        OpenFile file = byFh.get(fh);
        if (file == null || file.inode().id() != nodeid) {
            throw new ErrnoException(Errno.EBADF, "no handle " + fh + " open on node " + nodeid);
        }
        return file;
    }

    /**
     * Closes the handle {@code fh} of node {@code nodeid}; the caller then evicts the inode if
     * unreachable.
     *
     * @throws ErrnoException {@code EBADF} if it is not open
     */
    OpenFile close(long fh, long nodeid) {
        OpenFile file = get(fh, nodeid);
        if (!byFh.remove(fh, file)) {
            throw new ErrnoException(Errno.EBADF, "handle " + fh + " was closed meanwhile");
        }
        file.inode().removeOpen();
        return file;
    }

    /** Opens a migrated handle under its own {@code fh}. */
    void restore(long fh, Inode inode, OpenFlags flags) {
        inode.addOpen();
        try {
            byFh.restore(fh, new OpenFile(fh, inode, flags));
        } catch (RuntimeException e) {
            inode.removeOpen();
            throw e;
        }
    }

    /** The next handle number. */
    long nextFh() {
        return byFh.nextId();
    }

    /** Numbers later handles from {@code next} on. */
    void advanceTo(long next) {
        byFh.advanceTo(next);
    }

    /** Calls {@code action} for every open handle. */
    void forEach(Consumer<OpenFile> action) {
        byFh.forEach(action);
    }
}
