package io.virtiofs.transport.device;

import io.virtiofs.api.DaxMapping;
import io.virtiofs.api.DaxWindow;
import io.virtiofs.api.Errno;
import io.virtiofs.api.ErrnoException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The DAX window of a virtio-fs device (shared memory region 0; virtio-fs specification "Device
 * Operation: DAX Window"), independent of the transport: checks every request against the
 * window's size and alignment, has a {@link DaxBacking} perform it, and keeps the mapping table.
 *
 * <p>Mappings may overlap existing ones completely or partly; the newer one shows where they
 * overlap, and the table keeps only the visible parts of older ones. A range reaching beyond the
 * window's end, or not aligned, is refused with {@code EINVAL}.
 */
public final class DaxWindowTable implements DaxWindow {

    private final DaxBacking backing;
    /** Visible mappings by window offset; they never overlap. */
    private final TreeMap<Long, DaxMapping> table = new TreeMap<>();

    public DaxWindowTable(DaxBacking backing) {
        long alignment = backing.alignment();
        if (alignment <= 0 || Long.bitCount(alignment) != 1 || backing.size() % alignment != 0) {
            throw new IllegalArgumentException("DAX window of " + backing.size() + " bytes with alignment " + alignment);
        }
        this.backing = backing;
    }

    @Override
    public long size() {
        return backing.size();
    }

    @Override
    public long alignment() {
        return backing.alignment();
    }

    @Override
    public synchronized void map(DaxMapping mapping) {
        checkRange(mapping.windowOffset(), mapping.length());
        if (mapping.sourceOffset() % alignment() != 0) {
            throw new ErrnoException(Errno.EINVAL, "source offset " + mapping.sourceOffset() + " is not a multiple of "
                    + alignment());
        }
        try {
            backing.map(mapping);
        } catch (RuntimeException e) {
            // What the range shows is unknown now (a failed MAP_FIXED, a front-end that unmapped the
            // old mapping and then refused the new one): the table no longer claims it.
            cut(mapping.windowOffset(), mapping.windowEnd());
            throw e;
        }
        cut(mapping.windowOffset(), mapping.windowEnd());
        table.put(mapping.windowOffset(), mapping);
    }

    @Override
    public synchronized void unmap(long windowOffset, long length) {
        checkRange(windowOffset, length);
        backing.unmap(windowOffset, length);
        cut(windowOffset, windowOffset + length);
    }

    /**
     * Empties the table without asking the backing: the memory behind the window went away (the
     * vhost-user front-end that held it disconnected).
     */
    public synchronized void forget() {
        table.clear();
    }

    @Override
    public synchronized List<DaxMapping> mappings() {
        return List.copyOf(table.values());
    }

    private void checkRange(long windowOffset, long length) {
        long size = size();
        if (windowOffset < 0 || length <= 0 || windowOffset > size || length > size - windowOffset) {
            throw new ErrnoException(Errno.EINVAL, "range at " + windowOffset + " of " + length
                    + " bytes is not inside the " + size + "-byte DAX window");
        }
        if (windowOffset % alignment() != 0 || length % alignment() != 0) {
            throw new ErrnoException(Errno.EINVAL, "range at " + windowOffset + " of " + length
                    + " bytes is not aligned to " + alignment());
        }
    }

    /** Removes {@code [start, end)} from the table, keeping the parts of mappings outside it. */
    private void cut(long start, long end) {
        Map.Entry<Long, DaxMapping> before = table.lowerEntry(start);
        List<DaxMapping> affected = new ArrayList<>();
        if (before != null && before.getValue().windowEnd() > start) {
            affected.add(before.getValue());
        }
        affected.addAll(table.subMap(start, true, end, false).values());
        for (DaxMapping old : affected) {
            table.remove(old.windowOffset());
            if (old.windowOffset() < start) {
                table.put(old.windowOffset(), part(old, old.windowOffset(), start));
            }
            if (old.windowEnd() > end) {
                table.put(end, part(old, end, old.windowEnd()));
            }
        }
    }

    private static DaxMapping part(DaxMapping mapping, long from, long to) {
        return new DaxMapping(from, to - from, mapping.source(), mapping.sourceOffset() + (from - mapping.windowOffset()),
                mapping.writable());
    }
}
