package io.virtiofs.api;

import java.util.List;

/**
 * The DAX window: shared memory region 0 of a virtio-fs device, into which file ranges are
 * mapped so the driver reads and writes them without requests (virtio-fs specification, "Device
 * Operation: DAX Window").
 *
 * <p>The file system decides what to map ({@link FileSystem#setupmapping}); the window maps it.
 * Per the specification, a mapping may overlap existing ones completely or partly (the newer
 * one shows where they overlap), and a mapping that would go beyond the end of the window is
 * rejected.
 *
 * <p>Implementations are thread-safe.
 */
public interface DaxWindow {

    /** The window's size in bytes. */
    long size();

    /** The alignment of offsets and lengths, in bytes (a power of two, at least the page size). */
    long alignment();

    /**
     * Maps a range.
     *
     * @throws ErrnoException {@code EINVAL} if the mapping goes beyond the window's end or is not
     *     aligned; {@code EBADF} if the source cannot be mapped; {@code ENOMEM} if the host is out
     *     of mappings
     */
    void map(DaxMapping mapping);

    /**
     * Removes whatever is mapped in a range (the range then reads as zeroes or faults, as the
     * transport defines). Removing a range where nothing is mapped is not an error.
     *
     * @throws ErrnoException {@code EINVAL} if the range goes beyond the window's end or is not
     *     aligned
     */
    void unmap(long windowOffset, long length);

    /** The current mapping table, ordered by window offset, overlaps resolved. */
    List<DaxMapping> mappings();
}
