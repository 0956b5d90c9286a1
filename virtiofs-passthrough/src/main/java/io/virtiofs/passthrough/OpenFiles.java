package io.virtiofs.passthrough;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** The handles the guest holds: file handle number to {@link OpenFile}. Numbers are never reused. */
final class OpenFiles {

    private final ConcurrentHashMap<Long, OpenFile> byFh = new ConcurrentHashMap<>();
    private final AtomicLong nextFh = new AtomicLong(1);

    /** A new handle number. */
    long nextFh() {
        return nextFh.getAndIncrement();
    }

    void add(OpenFile file) {
        byFh.put(file.fh, file);
    }

    /**
     * Handle {@code fh} of node {@code nodeid}, pinned for one request (the caller unpins it).
     *
     * @throws ErrnoException EBADF when there is no such handle on that node
     */
    OpenFile pin(long fh, long nodeid) {
        OpenFile file = byFh.get(fh);
        if (file == null || file.node.nodeid != nodeid || !file.pin()) {
            throw new ErrnoException(Errno.EBADF, "no handle " + fh + " open on node " + nodeid);
        }
        return file;
    }

    /**
     * Removes handle {@code fh} of node {@code nodeid}; its descriptor closes once no request uses it.
     *
     * @throws ErrnoException EBADF when there is no such handle on that node
     */
    OpenFile remove(long fh, long nodeid) {
        OpenFile file = byFh.get(fh);
        if (file == null || file.node.nodeid != nodeid || !byFh.remove(fh, file)) {
            throw new ErrnoException(Errno.EBADF, "no handle " + fh + " open on node " + nodeid);
        }
        file.retire();
        return file;
    }

    /** Every handle held now. */
    void forEach(Consumer<OpenFile> action) {
        byFh.values().forEach(action);
    }

    /** The number of handles held. */
    int size() {
        return byFh.size();
    }
}
