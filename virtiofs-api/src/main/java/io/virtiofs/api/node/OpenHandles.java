package io.virtiofs.api.node;

import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/** The open files and directories, by the handle numbers given to the driver (never reused). */
final class OpenHandles {

    /** An open file: its node and its state, or null when the node serves it. */
    record OpenFile(FileNode node, @Nullable FileHandle handle) {
    }

    /** An open directory: its listing as of opendir, read by offset. */
    record OpenDirectory(DirectoryNode directory, List<NamedNode> entries) {
    }

    private final AtomicLong next = new AtomicLong(1);
    private final ConcurrentHashMap<Long, Object> open = new ConcurrentHashMap<>();

    long add(Object handle) {
        long fh = next.getAndIncrement();
        open.put(fh, handle);
        return fh;
    }

    <T> T get(long fh, Class<T> kind) {
        Object handle = open.get(fh);
        if (!kind.isInstance(handle)) {
            throw new ErrnoException(Errno.EBADF, "handle " + fh + " is not an open "
                    + (kind == OpenFile.class ? "file" : "directory"));
        }
        return kind.cast(handle);
    }

    <T> @Nullable T remove(long fh, Class<T> kind) {
        Object handle = open.get(fh);
        return kind.isInstance(handle) && open.remove(fh, handle) ? kind.cast(handle) : null;
    }

    int size() {
        return open.size();
    }

    void clear() {
        open.clear();
    }
}
