package io.virtiofs.transport.device;

import io.virtiofs.api.DaxMapping;
import io.virtiofs.api.ErrnoException;

/**
 * The memory behind a DAX window (shared memory region 0, virtio-fs specification "Device
 * Operation: DAX Window"): it performs mappings, {@link DaxWindowTable} keeps the table and checks
 * the arguments. In process this is a reserved address range ({@link ReservedDaxBacking});
 * vhost-user asks the front-end to map instead.
 */
public interface DaxBacking {

    /** The window's size in bytes. */
    long size();

    /** The alignment of offsets and lengths (a power of two, at least the page size). */
    long alignment();

    /**
     * Shows {@code mapping} in the window, replacing whatever was mapped in its range. Arguments
     * are already checked against the window and its alignment.
     *
     * @throws ErrnoException if the source cannot be mapped ({@code EBADF}, {@code ENOMEM}, ...)
     */
    void map(DaxMapping mapping);

    /**
     * Removes whatever is mapped in the range; it then reads as zeroes or faults, as the backing
     * defines.
     *
     * @throws ErrnoException if the host refuses
     */
    void unmap(long windowOffset, long length);
}
