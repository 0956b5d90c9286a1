package io.virtiofs.api;

import java.util.Objects;

/**
 * One mapping in a {@link DaxWindow}: {@code length} bytes of {@code source}, from
 * {@code sourceOffset}, shown at {@code windowOffset}.
 *
 * @param windowOffset where in the window
 * @param length how many bytes
 * @param source what is shown
 * @param sourceOffset where in the source
 * @param writable whether the driver may write through the mapping
 */
public record DaxMapping(long windowOffset, long length, MappingSource source, long sourceOffset, boolean writable) {

    public DaxMapping {
        Objects.requireNonNull(source, "source");
        if (windowOffset < 0 || length <= 0 || sourceOffset < 0) {
            throw new ErrnoException(Errno.EINVAL, "DAX mapping at " + windowOffset + " of " + length
                    + " bytes from source offset " + sourceOffset + " is invalid");
        }
        if (windowOffset + length < windowOffset) {
            throw new ErrnoException(Errno.EINVAL, "DAX mapping at " + windowOffset + " of " + length + " bytes overflows");
        }
    }

    /** The first window offset after the mapping. */
    public long windowEnd() {
        return windowOffset + length;
    }
}
