package io.virtiofs.api;

/**
 * FUSE_SETUPMAPPING ({@code struct fuse_setupmapping_in}): map {@code length} bytes of an open
 * file, from {@code fileOffset}, at {@code windowOffset} in the DAX window.
 *
 * @param nodeid the file
 * @param fh the open file's handle
 * @param fileOffset where in the file
 * @param length how many bytes
 * @param flags {@link #READ} and/or {@link #WRITE}
 * @param windowOffset where in the window
 */
public record SetupMappingRequest(long nodeid, long fh, long fileOffset, long length, long flags, long windowOffset) {

    /** FUSE_SETUPMAPPING_FLAG_READ. */
    public static final long READ = 1;
    /** FUSE_SETUPMAPPING_FLAG_WRITE. */
    public static final long WRITE = 1 << 1;

    public boolean writable() {
        return (flags & WRITE) != 0;
    }
}
