package io.virtiofs.api;

/**
 * A server-side copy between two open files ({@code struct fuse_copy_file_range_in}).
 *
 * @param nodeIn the source file
 * @param fhIn the source's handle
 * @param offsetIn where to read from
 * @param nodeOut the destination file
 * @param fhOut the destination's handle
 * @param offsetOut where to write to
 * @param length how many bytes at most
 * @param flags the {@code copy_file_range(2)} flags (0 today)
 */
public record CopyFileRangeRequest(long nodeIn, long fhIn, long offsetIn, long nodeOut, long fhOut, long offsetOut,
                                   long length, long flags) {

    public CopyFileRangeRequest {
        if (offsetIn < 0 || offsetOut < 0 || length < 0) {
            throw new ErrnoException(Errno.EINVAL,
                    "copy_file_range offsets " + offsetIn + ", " + offsetOut + " and length " + length + " must be >= 0");
        }
    }
}
